"""Meetings API (DESIGN.md section 5): create with cases and attendees, minutes, actions, an action
done; lists, one meeting and its pack as a PDF."""

from __future__ import annotations

from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of

from . import pdf, selectors, services
from .models import Meeting, MeetingAction
from .presenters import action_out, meeting_out
from .schemas import ActionIn, ActionOut, DoneIn, MeetingIn, MeetingOut, MeetingSummaryOut, MinutesIn

meetings_router = Router(tags=["meetings"])
meeting_actions_router = Router(tags=["meetings"])


def _meeting(request, meeting_id: int) -> Meeting:
    return get_for_actor(selectors.meeting_detail_queryset(), actor_of(request), meeting_id)


@meetings_router.post("", response={201: MeetingOut})
def meeting_create(request, payload: MeetingIn):
    meeting = services.meeting_create(
        actor=actor_of(request), title=payload.title, held_on=payload.held_on, scope_unit_id=payload.scope_unit_id,
        finding_ids=payload.finding_ids, inspection_ids=payload.inspection_ids, incident_ids=payload.incident_ids,
        attendee_ids=payload.attendee_ids, notes=payload.notes)
    return Status(201, meeting_out(_meeting(request, meeting.pk)))


@meetings_router.get("", response=list[MeetingSummaryOut])
@paginate(Pagination)
def meeting_list(request, status: str | None = None, scope_unit_id: int | None = None):
    meetings = selectors.meeting_list(actor_of(request))
    if status:
        meetings = meetings.filter(status=status)
    if scope_unit_id is not None:
        meetings = meetings.filter(scope_unit_id=scope_unit_id)
    return meetings


@meetings_router.get("/{meeting_id}", response=MeetingOut)
def meeting_detail(request, meeting_id: int):
    return meeting_out(_meeting(request, meeting_id))


@meetings_router.put("/{meeting_id}/minutes", response=MeetingOut)
def meeting_minutes(request, meeting_id: int, payload: MinutesIn):
    services.meeting_record_minutes(actor=actor_of(request), meeting=_meeting(request, meeting_id), text=payload.text)
    return meeting_out(_meeting(request, meeting_id))


@meetings_router.post("/{meeting_id}/actions", response={201: ActionOut})
def meeting_action_add(request, meeting_id: int, payload: ActionIn):
    action = services.meeting_action_add(actor=actor_of(request), meeting=_meeting(request, meeting_id),
                                         title=payload.title, owner_id=payload.owner_id, due_date=payload.due_date)
    return Status(201, action_out(action, timezone.localdate()))


@meetings_router.get("/{meeting_id}/pdf")
def meeting_pdf(request, meeting_id: int):
    """The meeting pack: attendees, each case with its facts, the minutes and the action table."""
    return pdf.meeting_pdf_response(_meeting(request, meeting_id))


@meeting_actions_router.post("/{action_id}/done", response=ActionOut)
def meeting_action_done(request, action_id: int, payload: DoneIn):
    actor = actor_of(request)
    action = get_for_actor(MeetingAction.objects.select_related("meeting"), actor, action_id)
    action = services.meeting_action_complete(actor=actor, action=action, note=payload.note)
    return action_out(action, timezone.localdate())
