"""Incidents, complaints and inquiries: deadlines from the policy, late reports flagged, a major
incident alerting at once, the hourly escalation of unanswered ones (once), a complaint becoming a
finding, refusals that change nothing, and the API and page matrices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dudao.core.errors import ApplicationError
from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import (
    API_PREFIX,
    ApiListMatrix,
    ApiObjectMatrix,
    PageFormMatrix,
    PageListMatrix,
    PageObjectMatrix,
)
from dudao.findings.models import Finding
from dudao.incidents import services
from dudao.incidents.models import Incident
from dudao.notifications.models import Notification


def local(day: str, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute)))


def report(world, kind="complaint", *, severity="minor", reporter="unit_manager", unit="store1", occurred=None,
           now=None, **extra):
    now = now or timezone.now()
    incident, _created = services.incident_report(
        actor=world.person(reporter), unit=world.unit(unit), kind=kind, severity=severity,
        occurred_at=occurred or now - dt.timedelta(hours=1), description="顾客反映汤里有异物", now=now, **extra)
    return incident


def other_org_incident(world):
    found = Incident.objects.filter(organization=world.other_org).first()
    return found or report(world, reporter="b_unit_manager", unit="b_branch")


def state():
    return (list(Incident.objects.order_by("pk").values_list("status", "response", "finding_id")),
            Finding.objects.count(), AuditEvent.objects.count())


@pytest.mark.django_db
def test_deadlines_come_from_the_policy(world):
    now = local("2025-03-03", 15)
    complaint = report(world, now=now)
    assert complaint.due_at == local("2025-03-03", 23, 59).replace(second=59)  # answered the same day
    inquiry = report(world, "inquiry", now=now)
    assert timezone.localtime(inquiry.due_at).date() == dt.date(2025, 3, 4)
    quality = report(world, now=now, quality=True)
    assert timezone.localtime(quality.on_site_due_at).date() == dt.date(2025, 3, 6)
    minor = report(world, "incident", now=now)
    assert minor.due_at is None and not minor.is_late(now)


@pytest.mark.django_db
def test_a_major_incident_reported_after_four_hours_is_late_and_alerts_at_once(world):
    now = local("2025-03-03", 15)
    on_time = report(world, "incident", severity="major", occurred=local("2025-03-03", 12), now=now)
    late = report(world, "incident", severity="major", occurred=local("2025-03-03", 10), now=now)
    assert (on_time.reported_late, late.reported_late) == (False, True)
    assert late.is_late(now) and not on_time.is_late(now)
    warned = set(Notification.objects.filter(kind="warning.critical", object_id=str(late.pk))
                 .values_list("recipient__username", flat=True))
    assert warned == {"region_manager", "ops_manager", "executive"}
    assert "迟报" in Notification.objects.filter(kind="warning.critical", object_id=str(late.pk)).first().title


@pytest.mark.django_db
def test_an_unanswered_complaint_is_escalated_once_and_an_answered_one_never(world):
    now = local("2025-03-03", 15)
    waiting = report(world, now=now)
    answered = report(world, now=now)
    services.incident_respond(actor=world.person("unit_manager"), incident=answered, note="已致电道歉并赠券",
                              now=local("2025-03-03", 17))
    assert services.incidents_escalate(now=local("2025-03-03", 23)) == 0  # not late yet
    assert services.incidents_escalate(now=local("2025-03-04", 9)) == 1
    assert services.incidents_escalate(now=local("2025-03-04", 10)) == 0  # once
    told = set(Notification.objects.filter(kind="incident.overdue", object_id=str(waiting.pk))
               .values_list("recipient__username", flat=True))
    assert told == {"region_manager", "ops_manager"}
    waiting.refresh_from_db()
    assert waiting.is_late(local("2025-03-04", 9)) and not Incident.objects.get(pk=answered.pk).is_late()


@pytest.mark.django_db
def test_a_complaint_becomes_a_finding_once(world):
    complaint = report(world)
    finding = services.incident_to_finding(actor=world.person("supervisor"), incident=complaint, category="risk")
    assert (finding.source, finding.unit_id) == ("complaint", world.units["store1"].pk)
    assert "汤里有异物" in finding.description
    with pytest.raises(ApplicationError):
        services.incident_to_finding(actor=world.person("supervisor"), incident=complaint, category="risk")
    assert Finding.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("options", "field"), [
    ({"kind": "rumour"}, "kind"),
    ({"severity": "huge"}, "severity"),
    ({"occurred": timezone.now() + dt.timedelta(days=1)}, "occurred_at"),
])
def test_bad_reports_name_the_field_and_save_nothing(world, options, field):
    before = state()
    with pytest.raises(ApplicationError) as refused:
        report(world, **options)
    assert field in refused.value.detail["fields"]
    assert state() == before


class TestIncidentReport(ApiObjectMatrix):
    route = "POST /api/v1/incidents"
    success_status = 201
    in_scope = "staff"
    out_of_scope = "other_unit_manager"
    refused = ("finance",)

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def path(self, world, target):
        return "/incidents"

    def payload(self, world, target):
        return {"unit_id": target.pk, "kind": "complaint", "occurred_at": timezone.now().isoformat(),
                "description": "服务员态度差"}

    def snapshot(self, world):
        return state()

    def check_success(self, world, target, response):
        body = response.json()
        assert body["due_at"] and body["late"] is False and body["status"] == "open"


class TestIncidentList(ApiListMatrix):
    route = "GET /api/v1/incidents"

    def target(self, world):
        return Incident.objects.filter(organization=world.org).first() or report(world)

    def other_org_target(self, world):
        return other_org_incident(world)


class _One:
    in_scope = "region_manager"

    def target(self, world):
        return Incident.objects.filter(organization=world.org).first() or report(world)

    def other_org_target(self, world):
        return other_org_incident(world)

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()


class TestIncidentDetail(_One, ApiObjectMatrix):
    route = "GET /api/v1/incidents/{incident_id}"

    def path(self, world, target):
        return f"/incidents/{target.pk}"


class TestIncidentRespond(_One, ApiObjectMatrix):
    route = "POST /api/v1/incidents/{incident_id}/respond"
    refused = ("staff", "executive")  # they read it; the unit's managers answer

    def path(self, world, target):
        return f"/incidents/{target.pk}/respond"

    def payload(self, world, target):
        return {"note": "已到店处理"}


class TestIncidentFinding(_One, ApiObjectMatrix):
    route = "POST /api/v1/incidents/{incident_id}/finding"
    success_status = 201
    refused = ("staff", "executive")

    def path(self, world, target):
        return f"/incidents/{target.pk}/finding"

    def payload(self, world, target):
        return {"category": "service_quality"}


def test_a_retried_report_is_one_incident(live_world, api_for):
    world = live_world
    api = api_for(world.person("staff"))
    payload = {"unit_id": world.units["store1"].pk, "kind": "incident", "severity": "major",
               "occurred_at": timezone.now().isoformat(), "description": "后厨跳闸", "client_id": "x-1"}
    first, second = api.post(API_PREFIX + "/incidents", json=payload), api.post(API_PREFIX + "/incidents", json=payload)
    assert (first.status_code, second.status_code) == (201, 200) and Incident.objects.count() == 1


@pytest.mark.django_db
def test_a_retry_that_lost_the_race_gets_the_first_record_and_other_conflicts_still_fail(world):
    """`core.idempotency.save_once`: two retries both find nothing earlier, one insert lands."""
    from django.db import IntegrityError

    from dudao.core.idempotency import save_once

    first = report(world, client_id="race-1")
    mine = Incident.objects.filter(organization_id=first.organization_id, reported_by=first.reported_by)
    twin = Incident(**{f.attname: getattr(first, f.attname) for f in Incident._meta.concrete_fields if f.attname != "id"})
    assert save_once(twin, mine) == (first, False)
    assert Incident.objects.count() == 1
    clash = Incident(**{f.attname: getattr(first, f.attname) for f in Incident._meta.concrete_fields if f.attname != "id"})
    clash.client_id, clash.unit_id = "", None  # NOT NULL: not a retry, so not swallowed
    with pytest.raises(IntegrityError):
        save_once(clash, mine)


class TestIncidentListPage(PageListMatrix):
    url_name = "incidents:incident-list"

    def target(self, world):
        return Incident.objects.filter(organization=world.org).first() or report(world)

    def other_org_target(self, world):
        return other_org_incident(world)

    def marker(self, target):
        return reverse("incidents:incident-detail", args=[target.pk])

    def test_no_role_does_not_see_it(self):
        assert self.call("no_role", self.target(self.world)).status_code == 404


class TestIncidentCreatePage(PageFormMatrix):
    url_name = "incidents:incident-create"
    in_scope = "staff"
    out_of_scope = "no_role"


class TestIncidentDetailPage(_One, PageObjectMatrix):
    url_name = "incidents:incident-detail"

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])


class TestIncidentRespondPage(_One, PageObjectMatrix):
    url_name = "incidents:incident-respond"
    method = "post"
    success_status = 302
    refused = ("staff",)

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def data(self, world, target):
        return {"note": "已处理"}

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert target.status == "responded"

    def test_refused_actors_get_404_and_nothing_changes(self):
        for actor in self.refused:
            before = self.snapshot(self.world)
            assert self.call(actor, self.target(self.world)).status_code == 404
            assert self.snapshot(self.world) == before


class TestIncidentFindingPage(_One, PageObjectMatrix):
    url_name = "incidents:incident-finding"
    method = "post"
    success_status = 302
    refused = ("staff",)

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def data(self, world, target):
        return {"category": "risk", "severity": "medium"}


def test_a_store_manager_reports_for_their_store_without_choosing_it(world, client):
    client.force_login(world.person("unit_manager"))
    page = client.get(reverse("incidents:incident-create")).content.decode()
    assert f'<option value="{world.units["store1"].pk}" selected>' in page
