"""The demo's month of discipline, training, work plans and incidents (issue 12), loaded through the
apps' services: what each page of theirs has to show."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from dudao.core.models import AuditEvent
from dudao.notifications.models import Notification
from dudao.org.models import Organization, Person
from dudao.provisioning.services import DEMO_ORG


@pytest.mark.django_db
def test_the_demo_has_a_month_of_discipline_training_work_plans_and_incidents():
    from dudao.appraisal.models import AppraisalCycle
    from dudao.core.periods import parse_period
    from dudao.discipline import selectors as discipline
    from dudao.discipline.models import Violation
    from dudao.findings.services.early_warning import WARNING_KIND
    from dudao.incidents.models import Incident
    from dudao.training.models import Session, Survey
    from dudao.training.selectors import attendance_rates
    from dudao.workplans.models import WorkPlan

    call_command("dudao_demo")
    organization = Organization.objects.get(name=DEMO_ORG)

    # Violations: three lates of one person in a month, signed by all three, count as one absence;
    # one waits for its party; one was appealed and overturned through the approval engine; one is fined.
    violations = Violation.objects.filter(organization=organization)
    staff = Person.objects.get(username="staff01")
    lates = violations.filter(person=staff, kind="late", status="effective")
    assert lates.count() == 3 and all(all(v.confirmations().values()) for v in lates)
    year = lates.first().occurred_at.year
    assert discipline.summary(staff, year)["absence_from_lates"] == 1
    pending = violations.get(status="pending")
    assert pending.witness_confirmed_at is not None and pending.party_confirmed_at is None
    overturned = violations.get(status="overturned")
    assert overturned.appeal.status == "approved"
    assert discipline.summary(overturned.person, year)["penalties"] == 0  # counts for nothing
    assert violations.filter(status="effective", card="yellow", fine__gt=0).exists()
    assert AuditEvent.objects.filter(action="violation.overturn").exists()
    assert Notification.objects.filter(kind="violation.confirm", recipient=pending.person).exists()

    # Training: a session on the most failed items with attendance and scores, and a needs survey.
    session = Session.objects.get(organization=organization)
    assert len(session.item_codes) == 3 and session.attendance_recorded_at is not None
    invitees = session.invitees.all()
    assert invitees.filter(attended=True, passed=True).exists() and invitees.filter(passed=False).exists()
    assert invitees.filter(attended=False).exists()
    assert Survey.objects.get(organization=organization).responses.count() == 4
    # Last month's supervisors (their cycle is left for the operations manager) have a training rate.
    month = f"{session.starts_at:%Y-%m}"
    assert not AppraisalCycle.objects.filter(organization=organization, role="supervisor", period=month).exists()
    supervisors = list(Person.objects.filter(organization=organization, is_active=True,
                                             role_assignments__role="supervisor").values_list("pk", flat=True))
    rates = attendance_rates(organization.pk, parse_period(month), supervisors)  # the training_attendance source
    assert sorted(float(rate) for rate, _facts in rates.values()) == [0.0, 100.0, 100.0]

    # Work plans: last week summarised with reasons for the items not done; this week's submitted.
    plans = WorkPlan.objects.filter(organization=organization, period_kind="week")
    summarised = plans.filter(status="summarised")
    assert summarised.count() == 2
    for plan in summarised:
        undone = plan.items.filter(done=False)
        assert undone.exists() and all(item.reason for item in undone)
    latest = plans.order_by("-period_start").first().period_start
    assert set(plans.filter(period_start=latest).values_list("status", flat=True)) == {"submitted"}

    # Incidents: a major one reported late and flagged, a complaint answered in time that became a
    # finding, an inquiry still open.
    incidents = Incident.objects.filter(organization=organization)
    major = incidents.get(kind="incident")
    assert major.severity == "major" and major.reported_late
    assert Notification.objects.filter(kind=WARNING_KIND, object_id=str(major.pk), title__contains="迟报").exists()
    complaint = incidents.get(kind="complaint")
    assert complaint.status == "responded" and not complaint.is_late() and complaint.finding_id is not None
    assert incidents.get(kind="inquiry").status == "open"
