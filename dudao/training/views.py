"""Pages of training: sessions (list, new from the proposals, one with its attendance form), the
proposals from the most failed items, a trainee's own history, and the needs surveys (list, new
with an editable list of questions, the answer form, the report sent to the training department)."""

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
from dudao.core.views import form_error, page, raise_if_hidden, render_page, require
from dudao.org.models import Person, Unit
from dudao.policies.choices import Period as PolicyPeriod
from dudao.policies.registry import policy_for

from . import selectors, services
from .models import Invitee, Session, Survey, SurveyResponse
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
            raise_if_hidden(exc)
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
        raise_if_hidden(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已登记出勤和成绩。"))
    return redirect("training:session-detail", session.pk)


@page
def my_training(request):
    rows = list(Invitee.objects.filter(person=request.user).select_related("session", "session__trainer")
                .order_by("-session__starts_at"))
    return render_page(request, "training/my_training.html", {"rows": rows})


# --- needs surveys ---------------------------------------------------------------------------------
KIND_LABELS = {"single": gettext_lazy("单选"), "multiple": gettext_lazy("多选"), "text": gettext_lazy("填空")}
BLANK_QUESTIONS = 3


@page
def survey_list(request):
    actor = request.user
    surveys = list(selectors.surveys_for(actor)[:100])
    organised = {u.pk for u in _organised_units(actor)} if actor.has_role(*ORGANISERS) else set()
    for survey in surveys:
        survey.can_report = survey.scope_unit_id in organised
    today = timezone.localdate()
    period = selectors.current_survey_period(actor.organization_id, today) if organised else None
    return render_page(request, "training/survey_list.html", {
        "surveys": surveys, "can_organise": bool(organised), "period": period,
        "period_missing": bool(period) and not Survey.objects.filter(organization_id=actor.organization_id,
                                                                     period=period).exists()})


def _posted_questions(data, count: int) -> list[dict]:
    """The question blocks of the form (`q-<i>-text`, `-kind`, `-options` one per line); blank
    blocks are left out."""
    questions = []
    for index in range(count):
        text = data.get(f"q-{index}-text", "").strip()
        if not text:
            continue
        options = [line.strip() for line in data.get(f"q-{index}-options", "").splitlines() if line.strip()]
        questions.append({"text": text, "kind": data.get(f"q-{index}-kind", "text"), "options": options})
    return questions


@page
def survey_create(request):
    actor = request.user
    units = _organised_units(actor)
    require(bool(units))
    today = timezone.localdate()
    kind = selectors.survey_period_kind(actor.organization_id, today)
    values = {"title": "", "period": selectors.current_survey_period(actor.organization_id, today) or "",
              "scope_unit": str(units[0].pk)}
    questions = [{"text": "", "kind": "single", "options": []} for _i in range(BLANK_QUESTIONS)]
    errors: list[str] = []
    if request.method == "POST":
        try:
            count = min(max(int(request.POST.get("count", BLANK_QUESTIONS)), 1), services.MAX_QUESTIONS)
        except ValueError:
            count = BLANK_QUESTIONS
        values = {key: request.POST.get(key, "").strip() for key in ("title", "period", "scope_unit")}
        questions = [{"text": request.POST.get(f"q-{i}-text", ""), "kind": request.POST.get(f"q-{i}-kind", "text"),
                      "options": [o for o in request.POST.get(f"q-{i}-options", "").splitlines() if o.strip()]}
                     for i in range(count)]
        if "add" in request.POST:
            questions.append({"text": "", "kind": "single", "options": []})
        else:
            unit = next((u for u in units if str(u.pk) == values["scope_unit"]), None)
            try:
                if unit is None:
                    raise ApplicationError(ErrorCode.VALIDATION, _("请选择范围"))
                survey = services.survey_create(actor=actor, title=values["title"], period=values["period"],
                                                scope_unit=unit, questions=_posted_questions(request.POST, count))
            except ApplicationError as exc:
                raise_if_hidden(exc)
                errors.append(exc.message)
            else:
                messages.success(request, _("已发起调查，范围内的人员可在“培训需求调查”中填写。"))
                return redirect("training:survey-report", survey.pk)
    return render_page(request, "training/survey_form.html", {
        "values": values, "questions": [{**q, "index": i, "options_text": "\n".join(q["options"])}
                                        for i, q in enumerate(questions)],
        "count": len(questions), "units": units, "errors": errors, "kinds": list(KIND_LABELS.items()),
        "period_kind": PolicyPeriod(kind).label})


@page
def survey_answer(request, survey_id: int):
    actor = request.user
    survey = get_for_actor(Survey.objects.select_related("scope_unit"), actor, survey_id)
    questions = selectors.survey_questions(survey)
    previous = SurveyResponse.objects.filter(survey=survey, person=actor).first()
    given = list(previous.answers) if previous else ["" for _q in questions]
    errors: list[str] = []
    if request.method == "POST":
        given = [request.POST.getlist(f"a-{i}") if q["kind"] == "multiple" else request.POST.get(f"a-{i}", "")
                 for i, q in enumerate(questions)]
        try:
            services.survey_respond(actor=actor, survey=survey, answers=given)
        except ApplicationError as exc:
            raise_if_hidden(exc)
            errors.append(exc.message)
        else:
            messages.success(request, _("谢谢，已收到您的回答。"))
            return redirect("training:survey-list")
    rows = []
    for index, question in enumerate(questions):
        value = given[index] if index < len(given) else ""
        chosen = value if isinstance(value, list) else [value]
        rows.append({**question, "index": index, "value": "" if isinstance(value, list) else value,
                     "options": [{"value": o, "checked": o in chosen} for o in question["options"]],
                     "kind_label": KIND_LABELS.get(question["kind"], "")})
    return render_page(request, "training/survey_answer.html", {
        "survey": survey, "rows": rows, "answered": previous is not None, "errors": errors})


@page
def survey_report(request, survey_id: int):
    actor = request.user
    survey = get_for_actor(Survey.objects.select_related("scope_unit", "created_by"), actor, survey_id,
                           action="manage")
    report = selectors.survey_report(survey)
    for question in report["questions"]:
        question["kind_label"] = KIND_LABELS.get(question["kind"], "")
        top = max((o["count"] for o in question["options"]), default=0)
        for option in question["options"]:
            option["width"] = round(option["count"] * 100 / top) if top else 0
    return render_page(request, "training/survey_report.html", {
        "survey": survey, "report": report, "can_send": can_organise(actor, survey.scope_unit),
        "sent_at": survey.report_sent_at})


@page
@require_POST
def survey_send(request, survey_id: int):
    actor = request.user
    survey = get_for_actor(Survey.objects.select_related("scope_unit"), actor, survey_id, action="manage")
    try:
        told = services.survey_report_send(actor=actor, survey=survey)
    except ApplicationError as exc:
        raise_if_hidden(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已把调查报告发送给培训部（%(n)s 人）。") % {"n": told})
    return redirect("training:survey-report", survey.pk)
