"""Deadlines by time travel (`dudao_tick --now`): due-soon reminders, overdue notices and the escalation
ladder (region manager when past due, ops manager after 3 days, executive after 7), each level told
once to the people over the unit, even after a long gap; closed findings never escalate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from dudao.core.jobs import REGISTRY, hourly_slot
from dudao.core.models import AuditEvent
from dudao.findings import services
from dudao.findings.choices import FindingEventKind, FindingStatus
from dudao.findings.models import Finding
from dudao.notifications.models import Notification
from dudao.org import services as org_services
from dudao.org.choices import Role

from .factories import drive, make_finding

CST = dt.timezone(dt.timedelta(hours=8))
CREATED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST)  # medium: due 2026-03-09


def tick(day: str, hour: int = 10) -> None:
    call_command("dudao_tick", "--now", f"{day}T{hour:02d}:30:00+08:00", "--job", "findings_escalate")


def told(world, key, kind="finding.escalated") -> list[Notification]:
    return list(Notification.objects.filter(recipient=world.people[key], kind=kind).order_by("id"))


def level(finding) -> int:
    return Finding.objects.get(pk=finding.pk).escalation_level


def test_the_job_runs_hourly():
    job = REGISTRY["findings_escalate"]
    assert job.slot is hourly_slot
    assert job.schedule(dt.datetime(2026, 3, 2, 10, 5)) and not job.schedule(dt.datetime(2026, 3, 2, 10, 6))


def test_an_untouched_finding_climbs_the_ladder_day_by_day(world):
    finding = make_finding(world, now=CREATED)
    assert finding.due_date == dt.date(2026, 3, 9)
    tick("2026-03-07")
    assert not told(world, "unit_manager", "finding.due_soon")
    tick("2026-03-08")  # one day before the due date
    [reminder] = told(world, "unit_manager", "finding.due_soon")
    assert "2026-03-09" in reminder.title
    tick("2026-03-09")  # the due date itself is still in time
    assert level(finding) == 0 and not told(world, "region_manager")
    assert not Finding.objects.get(pk=finding.pk).is_overdue(dt.date(2026, 3, 9))

    tick("2026-03-10")  # past due: the region manager at once
    assert level(finding) == 1
    [first] = told(world, "region_manager")
    assert first.object_id == str(finding.pk) and "1级升级" in first.title
    assert first.created_at.date() == dt.date(2026, 3, 10)
    [overdue] = told(world, "unit_manager", "finding.overdue")
    assert overdue.object_id == str(finding.pk)
    assert not told(world, "ops_manager") and not told(world, "executive")

    tick("2026-03-11")
    tick("2026-03-11", hour=23)
    assert level(finding) == 1 and not told(world, "ops_manager")
    tick("2026-03-12")  # three days past due: the ops manager
    assert level(finding) == 2
    assert len(told(world, "ops_manager")) == 1 and not told(world, "executive")

    tick("2026-03-15")
    assert level(finding) == 2
    tick("2026-03-16")  # seven days past due: the executive
    assert level(finding) == 3
    assert len(told(world, "executive")) == 1

    for day in ("2026-03-17", "2026-03-30"):
        tick(day)
    # Each level told exactly once, nobody out of scope told at all.
    assert [len(told(world, key)) for key in ("region_manager", "ops_manager", "executive")] == [1, 1, 1]
    for key in ("other_region_manager", "other_unit_manager", "supervisor", "staff", "admin", "b_admin"):
        assert not told(world, key), key
    assert len(told(world, "unit_manager", "finding.overdue")) == 1
    assert len(told(world, "unit_manager", "finding.due_soon")) == 1
    escalations = Finding.objects.get(pk=finding.pk).events.filter(kind=FindingEventKind.ESCALATED)
    assert [e.data["level"] for e in escalations] == [1, 2, 3]
    assert AuditEvent.objects.filter(action="finding.escalate", object_id=str(finding.pk)).count() == 3


def test_one_run_after_a_long_gap_lands_on_the_top_level_and_tells_every_level_once(world):
    finding = make_finding(world, now=CREATED)
    tick("2026-04-20")
    assert level(finding) == 3
    assert [len(told(world, key)) for key in ("region_manager", "ops_manager", "executive")] == [1, 1, 1]
    assert not told(world, "other_region_manager")
    events = Finding.objects.get(pk=finding.pk).events.filter(kind=FindingEventKind.ESCALATED)
    assert [(e.data["level"], e.data["role"]) for e in events] == [
        (1, "region_manager"), (2, "ops_manager"), (3, "executive")]
    [region] = told(world, "region_manager")
    assert events[0].data["recipient_ids"] == [world.people["region_manager"].pk]
    tick("2026-04-20", hour=11)
    tick("2026-05-20")
    assert [len(told(world, key)) for key in ("region_manager", "ops_manager", "executive")] == [1, 1, 1]


def test_the_same_slot_runs_once(world):
    make_finding(world, now=CREATED)
    tick("2026-03-20")
    notes = Notification.objects.count()
    call_command("dudao_tick", "--now", "2026-03-20T10:59:00+08:00", "--job", "findings_escalate")
    assert Notification.objects.count() == notes


def test_closed_findings_never_escalate(world):
    closed = drive(world, make_finding(world, now=CREATED), FindingStatus.CLOSED)
    tick("2026-04-20")
    assert level(closed) == 0
    assert not Notification.objects.filter(kind__in=["finding.escalated", "finding.overdue", "finding.due_soon"],
                                           object_id=str(closed.pk)).exists()


def test_a_submitted_finding_past_due_still_escalates_but_the_unit_is_not_nagged(world):
    submitted = drive(world, make_finding(world, now=CREATED), FindingStatus.SUBMITTED)
    tick("2026-03-10")
    assert level(submitted) == 1 and told(world, "region_manager")
    assert not told(world, "unit_manager", "finding.overdue")


def test_region_managers_hear_only_of_their_own_region(world):
    east = make_finding(world, now=CREATED, title="东区问题")
    west = make_finding(world, unit="store3", creator="admin", now=CREATED, title="西区问题")
    tick("2026-03-10")
    assert [n.object_id for n in told(world, "region_manager")] == [str(east.pk)]
    assert [n.object_id for n in told(world, "other_region_manager")] == [str(west.pk)]


def test_an_ops_manager_over_the_unit_is_told_rather_than_every_ops_manager(world):
    admin = world.person("admin")
    area = org_services.person_create(actor=admin, username="east_ops", display_name="东区运营",
                                      password="Dudao-test-pass-2026")
    org_services.role_grant(actor=admin, person=area, role=Role.OPS_MANAGER, unit=world.unit("east"))
    make_finding(world, now=CREATED)
    tick("2026-03-13")
    assert len(Notification.objects.filter(recipient=area, kind="finding.escalated")) == 1
    assert not told(world, "ops_manager")  # on the operations center: not over the store


def test_an_approved_extension_restarts_the_ladder_for_the_new_deadline(world):
    finding = make_finding(world, now=CREATED)
    tick("2026-03-10")
    assert level(finding) == 1
    manager, supervisor = world.person("unit_manager"), world.person("supervisor")
    extension = services.finding_extension_request(
        actor=manager, finding=finding, due_date=dt.date(2099, 1, 10), reason="设备停产,等待替代型号")
    services.finding_extension_decide(actor=supervisor, finding=finding, extension=extension, decision="approve")
    finding.refresh_from_db()
    assert finding.due_date == dt.date(2099, 1, 10) and finding.escalation_level == 0
    tick("2099-01-11")
    assert level(finding) == 1
    assert len(told(world, "region_manager")) == 2  # once per deadline
    assert len(told(world, "unit_manager", "finding.overdue")) == 2


@pytest.mark.parametrize("severity", ["critical", "low"])
def test_the_ladder_counts_from_each_findings_own_due_date(world, severity):
    finding = make_finding(world, now=CREATED, severity=severity)
    day_after = finding.due_date + dt.timedelta(days=1)
    tick((day_after - dt.timedelta(days=1)).isoformat())
    assert level(finding) == 0
    tick(day_after.isoformat())
    assert level(finding) == 1
