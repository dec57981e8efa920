"""Pages of training: sessions (list, new from the proposals, one with its attendance form), the
proposals from the most failed items, and a trainee's own history."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dudao.checklists.selectors import item_texts
from dudao.core.access import get_for_actor
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.periods import Period, add_months, month_start
from dudao.core.views import REFUSALS_AS_404, form_error, page, render_page, require
from dudao.org.models import Person, Unit
from dudao.policies.registry import policy_for

from . import selectors, services
from .models import Invitee, Session
from .permissions import ORGANISERS, can_organise, can_view_training


def _organised_units(actor):
    return [u for u in Unit.objects.visible_to(actor).order_by("path") if can_organise(actor, u)]


class SessionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    scope_unit = forms.ModelChoiceField(label=gettext_lazy("范围"), queryset=None)
    starts_at = forms.DateTimeField(label=gettext_lazy("开始时间"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    trainer = forms.ModelChoiceField(label=gettext_lazy("讲师"), queryset=None)
    invitees = forms.ModelMultipleChoiceField(label=gettext_lazy("学员"), queryset=None,
                                              widget=forms.SelectMultiple(attrs={"size": 10}))
    item_codes = forms.CharField(label=gettext_lazy("针对的检查项"), required=False,
                                 help_text=gettext_lazy("检查项编码，用逗号分隔；从培训建议进入时已填好"))

    def __init__(self, *args, units, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("path")
        self.fields["trainer"].queryset = people
        self.fields["invitees"].queryset = people


@page
def session_list(request):
    actor = request.user
    sessions = list(Session.objects.visible_to(actor).distinct().select_related("scope_unit", "trainer")
                    .order_by("-starts_at", "-id")[:100])
    return render_page(request, "training/session_list.html", {
        "sessions": sessions, "can_organise": actor.has_role(*ORGANISERS), "can_view": can_view_training(actor)})


@page
def proposals(request):
    actor = request.user
    require(can_view_training(actor))
    units = list(Unit.objects.visible_to(actor).order_by("path"))
    today = timezone.localdate()
    try:
        unit = get_for_actor(Unit, actor, request.GET["unit"]) if request.GET.get("unit") else units[0]
        start = dt.date.fromisoformat(request.GET["from"]) if request.GET.get("from") else add_months(month_start(today), -3)
        end = dt.date.fromisoformat(request.GET["to"]) if request.GET.get("to") else today
    except (ValueError, IndexError):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在")) from None
    rows = selectors.proposals(unit, Period(start, end), on=today) if end >= start else []
    return render_page(request, "training/proposals.html", {
        "rows": rows, "units": units, "unit": unit, "start": start, "end": end,
        "can_organise": can_organise(actor, unit),
        "limit": policy_for(actor.organization_id, on=today).training.proposal_top_findings})


@page
def session_create(request):
    actor = request.user
    units = _organised_units(actor)
    require(bool(units))
    people = Person.objects.filter(organization_id=actor.organization_id, is_active=True).order_by("display_name")
    initial = {"starts_at": timezone.localtime().replace(second=0, microsecond=0) + dt.timedelta(days=7),
               "item_codes": request.GET.get("items", "")}
    if request.GET.get("unit"):
        initial["scope_unit"] = request.GET["unit"]
    form = SessionForm(request.POST or None, units=units, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_create(
                actor=actor, title=data["title"], scope_unit=data["scope_unit"], starts_at=data["starts_at"],
                trainer=data["trainer"], invitees=list(data["invitees"]),
                item_codes=[c.strip() for c in data["item_codes"].replace("，", ",").split(",") if c.strip()])
        except ApplicationError as exc:
            if exc.code in REFUSALS_AS_404:
                raise
            form_error(form, exc)
        else:
            return redirect("training:session-detail", session.pk)
    return render_page(request, "training/session_form.html", {"form": form})


def _item_labels(organization_id: int, codes: list[str]) -> list[str]:
    """The checks a session is about, as their text with the code: "加药间通风良好 (SF03)"."""
    texts = item_texts(organization_id, codes) if codes else {}
    return [f"{texts[code]} ({code})" if code in texts else code for code in codes]


@page
def session_detail(request, session_id: int):
    actor = request.user
    session = get_for_actor(Session.objects.distinct().select_related("scope_unit", "trainer"), actor, session_id)
    invitees = list(session.invitees.select_related("person").order_by("person__display_name"))
    recorded = [i for i in invitees if i.attended is not None]
    attended = [i for i in recorded if i.attended]
    return render_page(request, "training/session_detail.html", {
        "session": session, "invitees": invitees, "can_record": can_organise(actor, session.scope_unit),
        "items": _item_labels(session.organization_id, session.item_codes),
        "rate": round(len(attended) * 100 / len(recorded), 1) if recorded else None,
        "pass_mark": policy_for(session.organization_id, on=timezone.localdate(session.starts_at)).training.test_pass_score,
    })


@page
@require_POST
def session_attendance(request, session_id: int):
    actor = request.user
    session = get_for_actor(Session.objects.distinct().select_related("scope_unit"), actor, session_id)
    require(can_organise(actor, session.scope_unit))
    rows = [{"person_id": i.person_id, "attended": request.POST.get(f"attended-{i.person_id}") == "on",
             "test_score": request.POST.get(f"score-{i.person_id}", "").strip() or None}
            for i in session.invitees.all()]
    try:
        services.attendance_record(actor=actor, session=session, rows=rows)
    except ApplicationError as exc:
        if exc.code in REFUSALS_AS_404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已登记出勤和成绩。"))
    return redirect("training:session-detail", session.pk)


@page
def my_training(request):
    rows = list(Invitee.objects.filter(person=request.user).select_related("session", "session__trainer")
                .order_by("-session__starts_at"))
    return render_page(request, "training/my_training.html", {"rows": rows})
