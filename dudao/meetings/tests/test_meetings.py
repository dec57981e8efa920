"""Operations meetings: cases and people checked in scope (each refusal names its field and saves
nothing), minutes only once held, actions done by their owner, closing once all are done, the
cases proposed from the period under review, and the daily reminders (once a day per overdue action,
once per period without a meeting)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.analytics.tests.factories import Data, at
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.jobs import REGISTRY, run_job
from dudao.core.models import AuditEvent
from dudao.core.periods import add_months
from dudao.meetings import selectors, services
from dudao.meetings.models import Meeting, MeetingAction
from dudao.notifications.models import Notification
from dudao.org.models import Organization
from dudao.policies.services import policy_version_create

from .factories import action_of, last_month_day, meeting_of, records, state


def told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@pytest.mark.django_db
def test_a_meeting_puts_its_cases_on_the_table_and_tells_the_attendees(world):
    meeting = meeting_of(world, action=False)
    cases = list(meeting.cases.all())
    assert [c.kind for c in cases] == ["finding", "finding", "inspection", "incident"]
    assert cases[0].note == "红线问题" and cases[1].note == ""
    assert set(meeting.attendees.values_list("person__username", flat=True)) == {"unit_manager", "supervisor"}
    assert told("meeting.invited") == {"unit_manager", "supervisor"}
    event = AuditEvent.objects.get(action="meeting.create")
    assert event.after["attendee_ids"] and len(event.after["cases"]) == 4
    assert meeting.status == "planned"


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "field"), [
    ("west", "finding_ids"),  # a finding outside the meeting's region
    ("other_org_inspection", "inspection_ids"),
    ("stranger", "attendee_ids"),  # a store manager of another region
    ("scope", "scope_unit_id"),  # a region the organiser does not manage
    ("title", "title"),
])
def test_anything_out_of_scope_is_refused_by_field_and_nothing_is_saved(world, key, field):
    rows = records(world)
    other_inspection = Data(world).inspection("store1", last_month_day().isoformat(), "50.0", org=world.other_org)
    kwargs = {"title": "华东区运营会", "held_on": timezone.localdate(), "scope_unit_id": world.units["east"].pk,
              "finding_ids": [rows["critical"].pk], "attendee_ids": [world.people["supervisor"].pk]}
    if key == "west":
        kwargs["finding_ids"] = [rows["critical"].pk, rows["west"].pk]
    elif key == "other_org_inspection":
        kwargs["inspection_ids"] = [other_inspection.pk]
    elif key == "stranger":
        kwargs["attendee_ids"] = [world.people["other_unit_manager"].pk]
    elif key == "scope":
        kwargs["scope_unit_id"] = world.units["west"].pk
    else:
        kwargs["title"] = "  "
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.meeting_create(actor=world.person("region_manager"), **kwargs)
    assert refused.value.code == ErrorCode.VALIDATION
    assert field in refused.value.detail["fields"]
    assert state() == before


@pytest.mark.django_db
def test_someone_who_holds_no_meetings_is_refused_and_the_organiser_succeeds(world):
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.meeting_create(actor=world.person("supervisor"), title="会", held_on=timezone.localdate(),
                                scope_unit_id=world.units["east"].pk)
    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert state() == before
    meeting = services.meeting_create(actor=world.person("executive"), title="公司运营会",
                                      held_on=timezone.localdate(), scope_unit_id=world.units["root"].pk)
    assert meeting.scope_unit_id == world.units["root"].pk


@pytest.mark.django_db
def test_minutes_wait_for_the_meeting_day_and_mark_it_held(world):
    meeting = meeting_of(world)
    rows = {"critical": meeting.cases.first().finding}
    later = services.meeting_create(actor=world.person("region_manager"), title="下周运营会",
                                    held_on=timezone.localdate() + dt.timedelta(days=3),
                                    scope_unit_id=world.units["east"].pk, finding_ids=[rows["critical"].pk])
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.meeting_record_minutes(actor=world.person("region_manager"), meeting=later, text="纪要")
    assert "text" in refused.value.detail["fields"]
    assert state() == before
    services.meeting_record_minutes(actor=world.person("region_manager"), meeting=meeting, text="一、冷库温控……")
    meeting.refresh_from_db()
    assert (meeting.status, meeting.minutes) == ("held", "一、冷库温控……")
    assert AuditEvent.objects.filter(action="meeting.record_minutes").count() == 1


@pytest.mark.django_db
def test_an_attendee_reads_but_may_not_edit(world):
    meeting = meeting_of(world)
    assert Meeting.objects.visible_to(world.person("unit_manager")).filter(pk=meeting.pk).exists()
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.meeting_record_minutes(actor=world.person("unit_manager"), meeting=meeting, text="我来写")
    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert state() == before
    assert not Meeting.objects.visible_to(world.person("other_region_manager")).filter(pk=meeting.pk).exists()


@pytest.mark.django_db
def test_an_action_is_assigned_done_by_its_owner_and_then_the_meeting_closes(world):
    meeting = meeting_of(world, minutes=True)
    action = meeting.actions.get()
    assert told("meeting.action_assigned") == {"unit_manager"}
    with pytest.raises(ApplicationError) as refused:
        services.meeting_close(actor=world.person("region_manager"), meeting=meeting)
    assert "actions" in refused.value.detail["fields"]
    before = state()
    with pytest.raises(ApplicationError) as denied:
        services.meeting_action_complete(actor=world.person("supervisor"), action=action, note="已完成")
    assert denied.value.code == ErrorCode.PERMISSION_DENIED
    with pytest.raises(ApplicationError) as empty:
        services.meeting_action_complete(actor=world.person("unit_manager"), action=action, note=" ")
    assert "note" in empty.value.detail["fields"]
    assert state() == before
    services.meeting_action_complete(actor=world.person("unit_manager"), action=action, note="温控器已更换")
    action.refresh_from_db()
    assert (action.status, action.done_by_id, action.done_note) == ("done", world.people["unit_manager"].pk,
                                                                     "温控器已更换")
    assert told("meeting.action_done") == {"region_manager"}
    with pytest.raises(ApplicationError) as again:
        services.meeting_action_complete(actor=world.person("unit_manager"), action=action, note="再次")
    assert again.value.code == ErrorCode.INVALID_TRANSITION
    services.meeting_close(actor=world.person("region_manager"), meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == "closed"
    with pytest.raises(ApplicationError):
        services.meeting_action_add(actor=world.person("region_manager"), meeting=meeting, title="新事项",
                                    owner_id=world.people["supervisor"].pk, due_date=timezone.localdate())


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"),
    ({"owner_id": None}, "owner_id"),
    ({"owner_id": "stranger"}, "owner_id"),
    ({"due_date": "下周五"}, "due_date"),
    ({"due_date": "past"}, "due_date"),
])
def test_a_bad_action_names_its_field_and_adds_nothing(world, change, field):
    meeting = meeting_of(world, action=False)
    kwargs = {"title": "复查", "owner_id": world.people["supervisor"].pk,
              "due_date": timezone.localdate() + dt.timedelta(days=3), **change}
    if kwargs["owner_id"] == "stranger":
        kwargs["owner_id"] = world.people["other_unit_manager"].pk
    if kwargs["due_date"] == "past":
        kwargs["due_date"] = meeting.held_on - dt.timedelta(days=1)
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.meeting_action_add(actor=world.person("region_manager"), meeting=meeting, **kwargs)
    assert field in refused.value.detail["fields"]
    assert state() == before


@pytest.mark.django_db
def test_an_overdue_action_is_chased_once_a_day_until_done(world):
    action = action_of(world)
    MeetingAction.objects.filter(pk=action.pk).update(due_date=timezone.localdate() - dt.timedelta(days=2))
    today = timezone.now()
    assert services.meeting_actions_remind(now=today) == 1
    assert services.meeting_actions_remind(now=today + dt.timedelta(hours=2)) == 0
    overdue = Notification.objects.filter(kind="meeting.action_overdue")
    assert sorted(overdue.values_list("recipient__username", flat=True)) == ["region_manager", "unit_manager"]
    assert overdue.first().url == f"/meetings/{action.meeting_id}/"
    action.refresh_from_db()
    assert action.reminded_on == timezone.localdate()
    assert services.meeting_actions_remind(now=today + dt.timedelta(days=1)) == 1
    assert overdue.count() == 4
    services.meeting_action_complete(actor=world.person("unit_manager"), action=action, note="已完成")
    assert services.meeting_actions_remind(now=today + dt.timedelta(days=2)) == 0


@pytest.mark.django_db
def test_an_action_not_yet_due_is_not_chased(world):
    action_of(world)
    assert services.meeting_actions_remind(now=timezone.now()) == 0
    assert not Notification.objects.filter(kind="meeting.action_overdue").exists()


@pytest.mark.django_db
def test_the_daily_job_runs_once_per_day_slot(world):
    action = action_of(world)
    MeetingAction.objects.filter(pk=action.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    job = REGISTRY["meetings_remind"]
    now = timezone.now()
    assert run_job(job, now)["overdue_actions"] == 1
    assert run_job(job, now) is None


def _old_organisation(world):
    Organization.objects.filter(pk=world.org.pk).update(
        created_at=timezone.now() - dt.timedelta(days=400))


@pytest.mark.django_db
def test_a_month_without_a_company_meeting_reminds_the_operations_manager_once(world):
    _old_organisation(world)
    now = timezone.now()
    assert services.meetings_missing_remind(now=now) == 1
    assert told("meeting.missing") == {"ops_manager"}
    assert services.meetings_missing_remind(now=now + dt.timedelta(days=1)) == 0
    assert Notification.objects.filter(kind="meeting.missing").count() == 1


@pytest.mark.django_db
def test_a_company_meeting_held_last_month_means_no_reminder(world):
    _old_organisation(world)
    meeting = services.meeting_create(actor=world.person("executive"), title="公司运营会", held_on=last_month_day(20),
                                      scope_unit_id=world.units["root"].pk)
    services.meeting_record_minutes(actor=world.person("executive"), meeting=meeting, text="纪要")
    assert services.meetings_missing_remind(now=timezone.now()) == 0
    assert not Notification.objects.filter(kind="meeting.missing").exists()


@pytest.mark.django_db
def test_a_quarterly_cadence_from_the_policy_reviews_the_last_quarter(world):
    today = timezone.localdate()
    policy_version_create(actor=world.people["admin"], organization=world.org, effective_from=today,
                          overrides={"training": {"operations_meeting_period": "quarter"}})
    period = selectors.review_period(world.org.pk, today)
    assert period.end < today and (period.end - period.start).days >= 88
    assert period.start.month in (1, 4, 7, 10)
    month = selectors.review_period(world.other_org.pk, today)
    assert (month.start, month.end) == (add_months(today, -1), today.replace(day=1) - dt.timedelta(days=1))


@pytest.mark.django_db
def test_the_cases_proposed_are_last_months_critical_and_overdue_findings_low_inspections_and_complaints(world):
    rows = records(world)
    Data(world).inspection("store1", timezone.localdate().isoformat(), "30.0")  # this month: not reviewed yet
    proposals = selectors.proposed_cases(world.person("region_manager"), world.unit("east"))
    keys = [(p.kind, p.record.pk) for p in proposals]
    assert keys == [("finding", rows["critical"].pk), ("finding", rows["overdue"].pk),
                    ("inspection", rows["inspection"].pk), ("incident", rows["complaint"].pk)]
    # The west's critical finding lies outside the east's meeting; the company sees it too.
    company = selectors.proposed_cases(world.person("executive"), world.unit("root"))
    assert ("finding", rows["west"].pk) in [(p.kind, p.record.pk) for p in company]


@pytest.mark.django_db
def test_the_meeting_pack_is_a_pdf_with_its_title_cases_and_actions(world, tmp_path):
    import subprocess

    from dudao.meetings import pdf

    meeting = meeting_of(world, minutes=True)
    content = pdf.meeting_pdf(meeting)
    assert content.startswith(b"%PDF")
    path = tmp_path / "meeting.pdf"
    path.write_bytes(content)
    text = "".join(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                                  text=True).stdout.split())
    for expected in ("华东区月度运营会", "冷库温控整改复查", "南京西路店", "顾客投诉汤里有异物", "会议决定", "得分62.0"):
        assert expected in text, expected
    _ = at  # the factories' clock helper stays imported for readers of this module
