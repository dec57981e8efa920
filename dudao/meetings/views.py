"""Pages of operations meetings: the list with my open actions, a new meeting with the cases proposed
from the period under review, and one meeting with its cases, attendees, minutes editor, actions
(add, mark done) and its pack as a PDF."""

from __future__ import annotations

from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dudao.core.access import get_for_actor
from dudao.core.errors import ApplicationError
from dudao.core.views import form_error, page, raise_if_hidden, render_page, require

from . import pdf, selectors, services
from .choices import ACTION_STATUS_BADGES, MEETING_STATUS_BADGES, ActionStatus
from .forms import ActionForm, MeetingForm, MinutesForm
from .models import Meeting, MeetingAction
from .permissions import can_complete_action, can_edit_meeting, can_hold_meetings
from .presenters import case_facts
from .workflow import MEETING

PRESELECTED = 2


@page
def meeting_list(request):
    actor = request.user
    today = timezone.localdate()
    actions = list(selectors.my_open_actions(actor)[:100])
    for action in actions:
        action.overdue = action.is_overdue(today)
    meetings = list(selectors.meeting_list(actor)[:100])
    for meeting in meetings:
        meeting.badge = MEETING_STATUS_BADGES.get(meeting.status, "")
    return render_page(request, "meetings/meeting_list.html", {
        "actions": actions, "meetings": meetings, "can_create": can_hold_meetings(actor)})


@page
def meeting_create(request):
    actor = request.user
    require(can_hold_meetings(actor))
    units = selectors.organisable_units(actor)
    require(bool(units))
    chosen = request.POST.get("scope_unit_id") or request.GET.get("scope")
    unit = next((u for u in units if str(u.pk) == str(chosen)), units[0])
    today = timezone.localdate()
    proposals = selectors.proposed_cases(actor, unit, today=today)
    period = proposals.period
    form = MeetingForm(request.POST or None, initial={
        "title": _("%(unit)s %(period)s 运营会议") % {"unit": unit.name, "period": period.start.strftime("%Y-%m")},
        "held_on": today})
    people = selectors.candidate_attendees(actor, unit)
    picked_cases = set(request.POST.getlist("case"))
    picked_people = {int(v) for v in request.POST.getlist("attendee") if v.isdigit()}
    if request.method == "POST" and form.is_valid():
        ids = {"finding": [], "inspection": [], "incident": []}
        notes = {}
        for value in request.POST.getlist("case"):
            kind, _sep, pk = value.partition(":")
            if kind in ids and pk.isdigit():
                ids[kind].append(int(pk))
                notes[value] = request.POST.get(f"note-{value}", "")
        try:
            meeting = services.meeting_create(
                actor=actor, title=form.cleaned_data["title"], held_on=form.cleaned_data["held_on"],
                scope_unit_id=unit.pk, finding_ids=ids["finding"], inspection_ids=ids["inspection"],
                incident_ids=ids["incident"], attendee_ids=sorted(picked_people), notes=notes)
        except ApplicationError as exc:
            raise_if_hidden(exc)
            form_error(form, exc)
        else:
            return redirect("meetings:detail", meeting.pk)
    rows = []
    shown: dict[str, int] = {}
    for proposal in proposals:
        key = f"{proposal.kind}:{proposal.record.pk}"
        shown[proposal.kind] = shown.get(proposal.kind, 0) + 1
        # The first two of each kind are ticked to start with; the organiser adds or drops the rest.
        ticked = key in picked_cases if request.method == "POST" else shown[proposal.kind] <= PRESELECTED
        rows.append({"key": key, "reason": proposal.reason, "record": proposal.record, "kind": proposal.kind,
                     "checked": ticked,
                     "note": request.POST.get(f"note-{key}", proposal.reason)})
    return render_page(request, "meetings/meeting_form.html", {
        "form": form, "units": units, "unit": unit, "period": period, "rows": rows, "people": people,
        "picked_people": picked_people if request.method == "POST" else set(),
    }, status=422 if request.method == "POST" else 200)


def _detail(request, meeting: Meeting, *, minutes_form=None, action_form=None, errors=None, status=200):
    actor = request.user
    today = timezone.localdate()
    cases = [case_facts(c, today) for c in meeting.cases.all()]
    actions = list(meeting.actions.all())
    for action in actions:
        action.overdue = action.is_overdue(today)
        action.badge = ACTION_STATUS_BADGES.get(action.status, "")
        action.can_complete = action.status == ActionStatus.OPEN and can_complete_action(actor, action)
        action.error = (errors or {}).get(action.pk, "")
    can_edit = can_edit_meeting(actor, meeting)
    open_actions = any(a.status == ActionStatus.OPEN for a in actions)
    can_minutes = can_edit and MEETING.allowed(meeting, "record_minutes")
    can_add = can_edit and MEETING.allowed(meeting, "add_action")
    people = selectors.candidate_attendees(actor, meeting.scope_unit) if can_add else []
    meeting.badge = MEETING_STATUS_BADGES.get(meeting.status, "")
    return render_page(request, "meetings/meeting_detail.html", {
        "meeting": meeting, "cases": cases, "actions": actions,
        "attendees": [a.person for a in meeting.attendees.all()],
        "minutes_form": (minutes_form or MinutesForm(initial={"text": meeting.minutes})) if can_minutes else None,
        "action_form": (action_form or ActionForm(people=people)) if can_add else None,
        "can_close": can_edit and MEETING.allowed(meeting, "close") and (not open_actions or "close" in (errors or {})),
        "errors": errors or {}, "today": today,
    }, status=status)


def _meeting(actor, meeting_id: int) -> Meeting:
    return get_for_actor(selectors.meeting_detail_queryset(), actor, meeting_id)


@page
def meeting_detail(request, meeting_id: int):
    return _detail(request, _meeting(request.user, meeting_id))


@page
@require_POST
def meeting_minutes(request, meeting_id: int):
    actor = request.user
    meeting = _meeting(actor, meeting_id)
    require(can_edit_meeting(actor, meeting))
    form = MinutesForm(request.POST)
    form.is_valid()
    try:
        services.meeting_record_minutes(actor=actor, meeting=meeting, text=form.cleaned_data.get("text", ""))
    except ApplicationError as exc:
        raise_if_hidden(exc)
        form.add_error("text" if "text" in ((exc.detail or {}).get("fields") or {}) else None, exc.message)
        return _detail(request, meeting, minutes_form=form, status=422)
    return redirect("meetings:detail", meeting.pk)


@page
@require_POST
def meeting_action_add(request, meeting_id: int):
    actor = request.user
    meeting = _meeting(actor, meeting_id)
    require(can_edit_meeting(actor, meeting))
    form = ActionForm(request.POST, people=selectors.candidate_attendees(actor, meeting.scope_unit))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_action_add(actor=actor, meeting=meeting, title=data["title"], owner_id=data["owner_id"],
                                        due_date=data["due_date"])
        except ApplicationError as exc:
            raise_if_hidden(exc)
            form_error(form, exc)
        else:
            return redirect("meetings:detail", meeting.pk)
    return _detail(request, meeting, action_form=form, status=422)


@page
@require_POST
def action_done(request, action_id: int):
    actor = request.user
    action = get_for_actor(MeetingAction.objects.select_related("meeting"), actor, action_id)
    require(can_complete_action(actor, action))
    try:
        services.meeting_action_complete(actor=actor, action=action, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        raise_if_hidden(exc)
        return _detail(request, _meeting(actor, action.meeting_id), errors={action.pk: exc.message}, status=422)
    return redirect("meetings:detail", action.meeting_id)


@page
@require_POST
def meeting_close(request, meeting_id: int):
    actor = request.user
    meeting = _meeting(actor, meeting_id)
    require(can_edit_meeting(actor, meeting))
    try:
        services.meeting_close(actor=actor, meeting=meeting)
    except ApplicationError as exc:
        raise_if_hidden(exc)
        return _detail(request, meeting, errors={"close": exc.message}, status=422)
    return redirect("meetings:detail", meeting.pk)


@page
def meeting_pdf(request, meeting_id: int):
    return pdf.meeting_pdf_response(_meeting(request.user, meeting_id))
