"""What a meeting shows, once for the page, the API and the PDF: each case with its facts (unit,
what it is, score or due date, status, link), each action with whether it is overdue."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import CaseKind
from .models import Meeting, MeetingAction, MeetingCase


def case_facts(case: MeetingCase, today: dt.date) -> dict:
    """{kind, kind_label, object_id, title, unit_id, unit_name, facts, status, overdue, note, url}."""
    record = case.record
    row = {"kind": case.kind, "kind_label": str(CaseKind(case.kind).label), "object_id": record.pk,
           "unit_id": record.unit_id, "unit_name": record.unit.name, "note": case.note, "overdue": False}
    if case.kind == CaseKind.FINDING:
        row.update(title=record.title, status=record.get_status_display(), overdue=record.is_overdue(today),
                   facts=_("%(severity)s · 整改期限 %(due)s") % {
                       "severity": record.get_severity_display(), "due": record.due_date.isoformat()},
                   url=f"/findings/{record.pk}/")
    elif case.kind == CaseKind.INSPECTION:
        score = "—" if record.score is None else str(record.score)
        passed = "" if record.passed is None else (_("合格") if record.passed else _("不合格"))
        row.update(title=_("%(unit)s 巡店（%(template)s）") % {"unit": record.unit.name, "template": record.template.name},
                   status=record.get_status_display(),
                   facts=_("得分 %(score)s %(passed)s · %(day)s") % {
                       "score": score, "passed": passed, "day": timezone.localdate(record.performed_at).isoformat()},
                   url=f"/inspections/{record.pk}/")
    else:
        late = record.is_late()
        row.update(title=(record.description.splitlines() or [""])[0][:120],
                   status=record.get_status_display() + (_("（超时）") if late else ""), overdue=late,
                   facts=_("%(kind)s · %(day)s") % {"kind": record.get_kind_display(),
                                                   "day": timezone.localdate(record.occurred_at).isoformat()},
                   url=f"/incidents/{record.pk}/")
    return row


def action_out(action: MeetingAction, today: dt.date) -> dict:
    return {"id": action.pk, "meeting_id": action.meeting_id, "title": action.title, "owner_id": action.owner_id,
            "owner_name": action.owner.display_name, "due_date": action.due_date, "status": action.status,
            "status_label": action.get_status_display(), "overdue": action.is_overdue(today),
            "done_note": action.done_note, "done_at": action.done_at, "done_by_id": action.done_by_id}


def meeting_out(meeting: Meeting, today: dt.date | None = None) -> dict:
    """The meeting as the API answers it (from `selectors.meeting_detail_queryset`)."""
    today = today or timezone.localdate()
    return {
        "id": meeting.pk, "title": meeting.title, "held_on": meeting.held_on, "scope_unit_id": meeting.scope_unit_id,
        "scope_unit_name": meeting.scope_unit.name, "status": meeting.status, "created_by_id": meeting.created_by_id,
        "minutes": meeting.minutes,
        "attendees": [{"id": a.person_id, "display_name": a.person.display_name} for a in meeting.attendees.all()],
        "cases": [case_facts(c, today) for c in meeting.cases.all()],
        "actions": [action_out(a, today) for a in meeting.actions.all()],
    }
