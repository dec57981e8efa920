"""Writing meetings: create one with its cases and attendees, record the minutes, agree actions,
mark an action done, close the meeting; and the daily reminders (actions past their due date, a
period ended with no meeting over the organisation). Atomic and audited; attendees hear of a new
meeting, an owner of their action."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_event, snapshot
from dudao.core.errors import clean_text, deny_permission, full_clean_or_refuse, validation_error
from dudao.findings.models import Finding
from dudao.incidents.models import Incident
from dudao.inspections.models import Inspection
from dudao.notifications.services import notify
from dudao.org.choices import Role
from dudao.org.models import Organization, Unit
from dudao.org.selectors import role_holders

from . import selectors
from .choices import ActionStatus, CaseKind, MeetingStatus
from .models import Meeting, MeetingAction, MeetingAttendee, MeetingCase
from .permissions import can_complete_action, can_edit_meeting, can_hold_meetings
from .workflow import MEETING, MEETING_ACTION

MEETING_FIELDS = ["scope_unit", "title", "held_on", "status", "minutes", "created_by"]
ACTION_FIELDS = ["meeting", "title", "owner", "due_date", "status", "done_note", "done_at", "done_by"]
MAX_CASES = 50
MAX_ATTENDEES = 200


def _url(meeting) -> str:
    return f"/meetings/{meeting.pk}/"


def _day(value, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise validation_error(field, _("日期格式应为 YYYY-MM-DD")) from None


@transaction.atomic
def meeting_create(*, actor, title: str, held_on, scope_unit_id, finding_ids=(), inspection_ids=(),
                   incident_ids=(), attendee_ids=(), notes: dict | None = None,
                   now: dt.datetime | None = None) -> Meeting:
    """A meeting over a unit the actor may hold meetings over, with the records it discusses (each
    visible to the actor and inside the unit's subtree) and the people invited. `notes` maps
    "finding:12", "inspection:5", "incident:3" to why the case is discussed."""
    if not can_hold_meetings(actor):
        deny_permission()
    now = now or timezone.now()
    title = clean_text(title, "title", limit=200, required=_("请填写会议名称"))
    held_on = _day(held_on, "held_on")
    unit = selectors.unit_named(actor, scope_unit_id)
    records = [(CaseKind.FINDING, r) for r in selectors.records_named(actor, Finding, finding_ids, "finding_ids", unit)]
    records += [(CaseKind.INSPECTION, r)
                for r in selectors.records_named(actor, Inspection, inspection_ids, "inspection_ids", unit)]
    records += [(CaseKind.INCIDENT, r)
                for r in selectors.records_named(actor, Incident, incident_ids, "incident_ids", unit)]
    if len(records) > MAX_CASES:
        raise validation_error("finding_ids", _("一次会议最多 %(n)s 个案例") % {"n": MAX_CASES})
    people = selectors.people_named(actor, attendee_ids, "attendee_ids")
    if len(people) > MAX_ATTENDEES:
        raise validation_error("attendee_ids", _("最多 %(n)s 名参会人") % {"n": MAX_ATTENDEES})
    notes = notes or {}
    if not isinstance(notes, dict):
        raise validation_error("notes", _("案例说明格式不正确"))
    meeting = Meeting(organization_id=actor.organization_id, scope_unit=unit, title=title, held_on=held_on,
                      status=MeetingStatus.PLANNED, created_by=actor, created_at=now, updated_at=now)
    full_clean_or_refuse(meeting)
    meeting.save()
    cases = []
    for position, (kind, record) in enumerate(records, start=1):
        note = clean_text(notes.get(f"{kind}:{record.pk}"), "notes", limit=500)
        cases.append(MeetingCase(meeting=meeting, position=position, kind=kind, note=note,
                                 **{str(kind): record}))
    MeetingCase.objects.bulk_create(cases)
    MeetingAttendee.objects.bulk_create([MeetingAttendee(meeting=meeting, person=p) for p in people])
    record_event(actor=actor, action="meeting.create", obj=meeting, at=now, after={
        **snapshot(meeting, MEETING_FIELDS), "attendee_ids": [p.pk for p in people],
        "cases": [{"kind": c.kind, "id": c.record_id, "note": c.note} for c in cases]})
    invited = [p for p in people if p.pk != actor.pk]
    notify(recipients=invited, kind="meeting.invited", obj=meeting, at=now, url=_url(meeting),
           title=_("会议通知：%(title)s（%(day)s）") % {"title": title, "day": held_on.isoformat()},
           body=_("%(count)s 个案例待讨论") % {"count": len(cases)}, dedupe_key=f"meeting:{meeting.pk}:invited")
    return meeting


def _locked(meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("scope_unit").get(pk=meeting.pk)


@transaction.atomic
def meeting_record_minutes(*, actor, meeting: Meeting, text: str, now: dt.datetime | None = None) -> Meeting:
    """The minutes (replacing earlier ones); recording them says the meeting took place."""
    meeting = _locked(meeting)
    if not can_edit_meeting(actor, meeting):
        deny_permission()
    now = now or timezone.now()
    text = clean_text(text, "text", limit=20000, required=_("请填写会议纪要"))
    MEETING.check(meeting, "record_minutes")
    if meeting.held_on > timezone.localdate(now):
        raise validation_error("text", _("会议定于 %(day)s 召开，召开后才能记录纪要") % {"day": meeting.held_on})
    MEETING.apply(meeting, "record_minutes", actor=actor, changes={"minutes": text, "updated_at": now},
                  audit_fields=MEETING_FIELDS, at=now)
    return meeting


@transaction.atomic
def meeting_action_add(*, actor, meeting: Meeting, title: str, owner_id, due_date,
                       now: dt.datetime | None = None) -> MeetingAction:
    """An action agreed at the meeting: its owner (someone the actor sees) hears of it."""
    meeting = _locked(meeting)
    if not can_edit_meeting(actor, meeting):
        deny_permission()
    MEETING.check(meeting, "add_action")
    now = now or timezone.now()
    title = clean_text(title, "title", limit=300, required=_("请填写事项"))
    if owner_id in (None, ""):
        raise validation_error("owner_id", _("请指定负责人"))
    owner = selectors.people_named(actor, [owner_id], "owner_id")[0]
    due = _day(due_date, "due_date")
    if due < meeting.held_on:
        raise validation_error("due_date", _("完成期限不能早于会议日期"))
    action = MeetingAction(organization_id=meeting.organization_id, meeting=meeting, title=title, owner=owner,
                           due_date=due, status=ActionStatus.OPEN, created_at=now)
    full_clean_or_refuse(action)
    action.save()
    Meeting.objects.filter(pk=meeting.pk).update(updated_at=now)
    record_event(actor=actor, action="meeting_action.create", obj=action, at=now,
                 after=snapshot(action, ACTION_FIELDS))
    if owner.pk != actor.pk:
        notify(recipients=[owner], kind="meeting.action_assigned", obj=action, at=now, url=_url(meeting),
               title=_("会议事项：%(title)s，请于 %(due)s 前完成") % {"title": title, "due": due.isoformat()},
               body=meeting.title, dedupe_key=f"meeting_action:{action.pk}:assigned")
    return action


@transaction.atomic
def meeting_action_complete(*, actor, action: MeetingAction, note: str = "",
                            now: dt.datetime | None = None) -> MeetingAction:
    """The owner (or the meeting's organiser) marks the action done, saying what was done."""
    action = (MeetingAction.objects.select_for_update(of=("self",)).select_related("meeting", "owner")
              .get(pk=action.pk))
    if not can_complete_action(actor, action):
        deny_permission()
    note = clean_text(note, "note", limit=4000, required=_("请填写完成情况"))
    now = now or timezone.now()
    MEETING_ACTION.apply(action, "complete", actor=actor, audit_fields=ACTION_FIELDS, at=now,
                         changes={"done_note": note, "done_at": now, "done_by": actor})
    if action.meeting.created_by_id != actor.pk:
        notify(recipients=[action.meeting.created_by], kind="meeting.action_done", obj=action, at=now,
               url=_url(action.meeting), title=_("会议事项已完成：%(title)s") % {"title": action.title},
               body=note[:500], dedupe_key=f"meeting_action:{action.pk}:done")
    return action


@transaction.atomic
def meeting_close(*, actor, meeting: Meeting, now: dt.datetime | None = None) -> Meeting:
    """Close a meeting once it was held and every action is done."""
    meeting = _locked(meeting)
    if not can_edit_meeting(actor, meeting):
        deny_permission()
    MEETING.check(meeting, "close")
    open_count = meeting.actions.filter(status=ActionStatus.OPEN).count()
    if open_count:
        raise validation_error("actions", _("还有 %(n)s 个事项未完成，不能结束会议") % {"n": open_count})
    now = now or timezone.now()
    MEETING.apply(meeting, "close", actor=actor, changes={"updated_at": now}, audit_fields=MEETING_FIELDS, at=now)
    return meeting


# --- the daily reminders ------------------------------------------------------------------------
def meeting_actions_remind(*, now: dt.datetime) -> int:
    """Each open action past its due date: its owner and the meeting's organiser are reminded, at
    most once a day (`reminded_on`)."""
    today = timezone.localdate(now)
    due = (MeetingAction.objects.filter(status=ActionStatus.OPEN, due_date__lt=today)
           .exclude(reminded_on__gte=today).select_related("meeting", "owner", "meeting__created_by"))
    count = 0
    for action in due:
        with transaction.atomic():
            claimed = MeetingAction.objects.filter(pk=action.pk, status=ActionStatus.OPEN).exclude(
                reminded_on__gte=today).update(reminded_on=today)
            if not claimed:
                continue
            days = (today - action.due_date).days
            notify(recipients=[action.owner, action.meeting.created_by], kind="meeting.action_overdue", obj=action,
                   at=now, url=_url(action.meeting),
                   title=_("会议事项已逾期 %(days)s 天：%(title)s") % {"days": days, "title": action.title},
                   body=_("%(meeting)s，期限 %(due)s") % {"meeting": action.meeting.title,
                                                        "due": action.due_date.isoformat()},
                   dedupe_key=f"meeting_action:{action.pk}:overdue:{today.isoformat()}")
            record_event(actor=None, action="meeting_action.remind", obj=action, at=now,
                         after={"reminded_on": today.isoformat(), "due_date": action.due_date.isoformat()})
            count += 1
    return count


def meetings_missing_remind(*, now: dt.datetime) -> int:
    """For each organisation whose last complete meeting period (the policy's cadence) ended with no
    meeting held over its root, the operations manager is reminded once per period."""
    today = timezone.localdate(now)
    count = 0
    for organization in Organization.objects.filter(is_active=True).order_by("pk"):
        period = selectors.review_period(organization.pk, today)
        start, end = period.start, period.end
        if timezone.localdate(organization.created_at) > start:
            continue  # the organisation did not exist for the whole period
        root = Unit.objects.filter(organization=organization, parent__isnull=True).first()
        if root is None:
            continue
        held = Meeting.objects.filter(organization=organization, scope_unit=root, held_on__gte=start,
                                      held_on__lte=end, status__in=[MeetingStatus.HELD, MeetingStatus.CLOSED])
        if held.exists():
            continue
        people = role_holders(root, [Role.OPS_MANAGER], nearest={Role.OPS_MANAGER})
        told = notify(recipients=people, kind="meeting.missing", obj=organization, at=now, url="/meetings/new/",
                      title=_("%(start)s 至 %(end)s 未召开运营会议") % {"start": start.isoformat(),
                                                                  "end": end.isoformat()},
                      dedupe_key=f"meeting:missing:{organization.pk}:{start.isoformat()}")
        if told:
            record_event(actor=None, action="meeting.missing", obj=organization, at=now,
                         after={"period_start": start.isoformat(), "period_end": end.isoformat(),
                                "told": [p.pk for p in people]})
            count += 1
    return count
