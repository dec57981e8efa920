"""Pages of appraisal data (KPI values with discrepancies highlighted, Excel export, targets) and of
appraisal cycles: the cycle list with the form to open one, the ranking, one appraisal with every
figure explained and its manual scores, my appraisals, and the PDF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from dudao.core.attachments import disposition_header
from dudao.core.errors import ApplicationError, ErrorCode, validation_error
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE
from dudao.core.views import form_error, get_for_actor, page, render_page, require
from dudao.facts.figures import average
from dudao.imports.permissions import can_run_imports
from dudao.org import selectors as org_selectors
from dudao.org.choices import Role
from dudao.org.models import Person, Unit
from dudao.policies.choices import KpiSource, SchemeKind
from dudao.policies.registry import policy_for

from . import explain, payroll, pdf, results, selectors, services
from .choices import (
    APPRAISAL_STATUS_BADGES,
    CYCLE_STATUS_BADGES,
    TARGET_STATUS_BADGES,
    AppraisalStatus,
    CycleStatus,
    TargetStatus,
)
from .export import kpi_values_workbook
from .models import Appraisal, AppraisalCycle
from .permissions import (
    can_appeal_appraisal,
    can_run_cycle_over,
    can_run_cycles,
    can_submit_cycle,
    can_view_appraisal_data,
    can_view_results,
)

PAGE_SIZE = 50


def _filters(request) -> dict:
    """The list filters from the query string; `subject` is a username, name, unit code or unit name."""
    return {"period": (request.GET.get("period") or "").strip().upper() or None,
            "kpi_code": (request.GET.get("kpi_code") or "").strip() or None,
            "subject": (request.GET.get("subject") or "").strip() or None}


def _context(request, filters: dict) -> dict:
    query = request.GET.copy()
    query.pop("page", None)
    return {"filters": filters, "kpis": selectors.kpi_codes(request.user.organization_id),
            "query": query.urlencode(), "can_import": can_run_imports(request.user)}


@page
def kpi_value_list(request):
    actor = request.user
    require(can_view_appraisal_data(actor))
    filters = _filters(request)
    page_obj = Paginator(selectors.kpi_values(actor, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    page_obj.object_list = list(page_obj.object_list)
    selectors.cross_check(page_obj.object_list)
    context = _context(request, filters)
    for value in page_obj.object_list:
        value.kpi_name = context["kpis"].get(value.kpi_code, "")
        value.discrepancy_percent = (value.discrepancy * 100).quantize(Decimal("0.1")) if value.discrepancy else None
    return render_page(request, "appraisal/kpi_value_list.html", {
        **context, "page_obj": page_obj,
        "tolerance": (selectors.tolerance(actor.organization_id) * 100).normalize(),
    })


@page
def kpi_value_export(request):
    actor = request.user
    require(can_view_appraisal_data(actor))
    response = HttpResponse(kpi_values_workbook(actor, _filters(request)), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = disposition_header(f"{_('指标数值')}-{timezone.localdate():%Y%m%d}.xlsx",
                                                         "kpi-values.xlsx")
    return response


@page
def target_list(request):
    actor = request.user
    require(can_view_appraisal_data(actor))
    filters = _filters(request)
    status = request.GET.get("status") if request.GET.get("status") in TargetStatus.values else None
    page_obj = Paginator(selectors.targets(actor, status=status, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = _context(request, filters)
    for target in page_obj.object_list:
        target.kpi_name = context["kpis"].get(target.kpi_code, "")
        target.badge = TARGET_STATUS_BADGES.get(target.status, "")
    return render_page(request, "appraisal/target_list.html", {
        **context, "page_obj": page_obj,
        "statuses": TargetStatus.choices, "status": status,
    })


# --- appraisal cycles and appraisals (DESIGN.md 2.11) ---------------------------------------------
class CycleForm(forms.Form):
    """Open a cycle; the field names are the service's, so its refusals land next to the field."""

    role = forms.ChoiceField(label=_lazy("角色"))
    period = forms.CharField(label=_lazy("期间"), max_length=7,
                             help_text=_lazy("月度如 2026-11，季度如 2026-Q1，年度如 2026"))
    scope_unit_id = forms.TypedChoiceField(label=_lazy("范围"), coerce=int)
    kind = forms.ChoiceField(label=_lazy("类型"), choices=SchemeKind.choices, initial=SchemeKind.REGULAR)
    person_ids = forms.CharField(label=_lazy("被考核人"), required=False,
                                 help_text=_lazy("仅试用期考核：填写用户名，多人用逗号或空格分隔"))

    def __init__(self, *args, roles, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role, Role(role).label) for role in roles]
        self.fields["scope_unit_id"].choices = [(unit.pk, f"{'　' * unit.depth}{unit.name}") for unit in units]


def _cycle_roles(organization_id: int) -> list[str]:
    """The roles the organisation's policy has an appraisal scheme for, in the order of Role."""
    policy = policy_for(organization_id, on=timezone.localdate())
    with_scheme = {scheme.role for scheme in policy.appraisal.schemes}
    return [role for role in Role.values if role in with_scheme]


def _runnable_units(actor) -> list[Unit]:
    return [unit for unit in org_selectors.visible_units(actor) if can_run_cycle_over(actor, unit)]


def _person_ids(actor, text: str) -> list[int] | None:
    """Usernames typed into the form as person ids; an unknown name is refused on the field."""
    names = [name for name in text.replace("，", ",").replace(",", " ").split() if name]
    if not names:
        return None
    found = dict(Person.objects.filter(organization_id=actor.organization_id, username__in=names)
                 .values_list("username", "pk"))
    missing = [name for name in names if name not in found]
    if missing:
        raise validation_error("person_ids", _("用户名不存在：%(names)s") % {"names": "、".join(missing)})
    return [found[name] for name in names]


@page
@require_http_methods(["GET", "POST"])
def cycle_list(request):
    """The cycles the user may see, and for those who run them a form to open one."""
    actor = request.user
    require(can_view_results(actor))
    units = _runnable_units(actor) if can_run_cycles(actor) else []
    form = None
    if units:
        last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
        form = CycleForm(request.POST if request.method == "POST" else None, roles=_cycle_roles(actor.organization_id),
                         units=units, initial={"period": f"{last_month:%Y-%m}"})
    if request.method == "POST":
        require(form is not None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                scope_unit = get_for_actor(Unit, actor, data["scope_unit_id"])
                cycle = services.cycle_create(actor=actor, role=data["role"], period=data["period"],
                                              scope_unit=scope_unit, kind=data["kind"],
                                              person_ids=_person_ids(actor, data["person_ids"]))
            except ApplicationError as exc:
                if exc.code in {ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED}:
                    form.add_error("scope_unit_id", _("您不能在该范围发起考核"))
                else:
                    form_error(form, exc)
            else:
                messages.success(request, _("已发起考核并完成计算。"))
                return redirect("appraisal:cycle-detail", cycle_id=cycle.pk)
    page_obj = Paginator(selectors.cycles(actor).annotate(people=Count("appraisals")), PAGE_SIZE).get_page(
        request.GET.get("page"))
    for cycle in page_obj.object_list:
        _labels(cycle)
        cycle.badge = CYCLE_STATUS_BADGES.get(cycle.status, "")
    return render_page(request, "appraisal/cycle_list.html", {"page_obj": page_obj, "form": form, "query": ""},
                       status=422 if form is not None and form.errors else 200)


def _labels(cycle: AppraisalCycle) -> None:
    cycle.role_label, cycle.kind_label = pdf.role_label(cycle), pdf.kind_label(cycle)


def _ranking_row(appraisal: Appraisal, kpis: list[dict]) -> dict:
    """One person's line of the ranking: a KPI without data has no score ("无数据"), never 0."""
    scores = {line["code"]: line.get("score") for line in appraisal.kpis}
    appraisal.badge = APPRAISAL_STATUS_BADGES.get(appraisal.status, "")
    return {"appraisal": appraisal, "amount": explain.money(appraisal.bonus_amount),
            "cells": [{"name": kpi["name"], "score": scores.get(kpi["code"])} for kpi in kpis]}


@page
def cycle_detail(request, cycle_id: int):
    """The ranking of a cycle: each person's KPI scores ("无数据" where none), score and bonus."""
    actor = request.user
    cycle = get_for_actor(AppraisalCycle.objects.select_related("scope_unit"), actor, cycle_id)
    _labels(cycle)
    kpis = cycle.scheme.get("kpis", [])
    appraisals = list(selectors.appraisals(actor, cycle_id=cycle.pk))
    rows = [_ranking_row(a, kpis) for a in appraisals]
    scored = [a.score for a in appraisals if a.score is not None]
    amounts = [a.bonus_amount for a in appraisals if a.bonus_amount is not None]
    return render_page(request, "appraisal/cycle_detail.html", {
        "cycle": cycle, "kpis": kpis, "rows": rows, "role_label": cycle.role_label, "kind_label": cycle.kind_label, "badge": CYCLE_STATUS_BADGES.get(cycle.status, ""),
        "people": len(appraisals), "average": average(sum(scored, Decimal(0)), len(scored)),
        "bonus_total": explain.money(sum(amounts, Decimal(0))) if amounts else None,
        "can_compute": cycle.status == CycleStatus.OPEN and can_run_cycle_over(actor, cycle.scope_unit),
        "can_submit": cycle.status == CycleStatus.OPEN and can_submit_cycle(actor, cycle),
        "can_download_payroll": cycle.status == CycleStatus.FINAL,
    })


@page
@require_POST
def cycle_compute(request, cycle_id: int):
    """Rescore the cycle's open appraisals from today's figures."""
    actor = request.user
    cycle = get_for_actor(AppraisalCycle.objects.select_related("scope_unit"), actor, cycle_id)
    require(can_run_cycle_over(actor, cycle.scope_unit))
    try:
        changed = services.cycle_compute(actor=actor, cycle=cycle)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重新计算 %(n)s 份考核。") % {"n": len(changed)})
    return redirect("appraisal:cycle-detail", cycle_id=cycle.pk)


def _appraisal(actor, appraisal_id: int) -> Appraisal:
    return get_for_actor(Appraisal.objects.select_related("person", "cycle", "cycle__scope_unit", "scope_unit",
                                                          "organization"),
                         actor, appraisal_id)


def _may_score(actor, appraisal: Appraisal) -> bool:
    return (appraisal.status == AppraisalStatus.OPEN and appraisal.person_id != actor.pk
            and can_run_cycle_over(actor, appraisal.cycle.scope_unit))


def _appraisal_context(actor, appraisal: Appraisal, *, entered: dict | None = None, errors: dict | None = None):
    """The PDF's document (every figure explained, `explain.py`) plus the manual-score form."""
    document = pdf.appraisal_document(appraisal)
    manual = []
    if _may_score(actor, appraisal):
        for line in document["out"]["kpis"]:
            if line["source"] == KpiSource.MANUAL:
                typed = (entered or {}).get(line["code"], {})
                manual.append({
                    "code": line["code"], "name": line["name"],
                    "score": typed.get("score", "" if line.get("score") is None else line["score"]),
                    "note": typed.get("note", (line.get("facts") or {}).get("note") or ""),
                    "error": (errors or {}).get(line["code"]),
                })
    _labels(appraisal.cycle)
    return {
        **document, "badge": APPRAISAL_STATUS_BADGES.get(appraisal.status, ""),
        "manual": manual, "errors_general": (errors or {}).get(""),
        "can_see_cycle": AppraisalCycle.objects.visible_to(actor).filter(pk=appraisal.cycle_id).exists(),
        "can_appeal": appraisal.status == AppraisalStatus.FINAL and can_appeal_appraisal(actor, appraisal),
        "appeal_closes": results.appeal_closes_at(appraisal.cycle)[1],
    }


@page
@require_POST
def cycle_submit(request, cycle_id: int):
    """Send the cycle's open results through the result flow (ops manager -> executive -> HR -> finance)."""
    actor = request.user
    cycle = get_for_actor(AppraisalCycle.objects.select_related("scope_unit"), actor, cycle_id)
    require(can_submit_cycle(actor, cycle))
    try:
        cycle = results.cycle_submit(actor=actor, cycle=cycle)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提交审批（#%(id)s），审批通过后结果定稿。") % {"id": cycle.approval_id})
    return redirect("appraisal:cycle-detail", cycle.pk)


@page
def cycle_payroll(request, cycle_id: int):
    """The payroll sheet of a final cycle, for finance (the same file as the API)."""
    actor = request.user
    cycle = get_for_actor(AppraisalCycle.objects.select_related("scope_unit"), actor, cycle_id)
    try:
        content = payroll.cycle_payroll_download(actor=actor, cycle=cycle)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("appraisal:cycle-detail", cycle.pk)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = disposition_header(
        f"{_('奖金发放表')}-{cycle.period}-{cycle.role}.xlsx", f"payroll-{cycle.period}-{cycle.role}.xlsx")
    return response


@page
@require_POST
def appraisal_appeal(request, appraisal_id: int):
    """The person appeals their final appraisal with a reason, within the policy window."""
    actor = request.user
    appraisal = _appraisal(actor, appraisal_id)
    require(can_appeal_appraisal(actor, appraisal))
    try:
        results.appraisal_appeal(actor=actor, appraisal=appraisal, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("复议申请已提交，处理结果将通知您。"))
    return redirect("appraisal:appraisal-detail", appraisal.pk)


@page
def appraisal_detail(request, appraisal_id: int):
    """One appraisal with every figure explained; the person sees their own, out of scope is 404."""
    actor = request.user
    appraisal = _appraisal(actor, appraisal_id)
    return render_page(request, "appraisal/appraisal_detail.html", _appraisal_context(actor, appraisal))


@page
@require_POST
def appraisal_scores(request, appraisal_id: int):
    """Score the manual KPIs from the appraisal page; a refusal is shown next to the KPI it names."""
    actor = request.user
    appraisal = _appraisal(actor, appraisal_id)
    require(_may_score(actor, appraisal))
    codes = [line["code"] for line in appraisal.kpis if line["source"] == KpiSource.MANUAL]
    entered = {code: {"score": (request.POST.get(f"score_{code}") or "").strip(),
                      "note": (request.POST.get(f"note_{code}") or "").strip()} for code in codes}
    scores = [{"kpi_code": code, **entered[code]} for code in codes if entered[code]["score"]]
    try:
        services.manual_scores_set(actor=actor, appraisal=appraisal, scores=scores)
    except ApplicationError as exc:
        errors = _score_errors(exc, [entry["kpi_code"] for entry in scores], appraisal)
        return render_page(request, "appraisal/appraisal_detail.html",
                           _appraisal_context(actor, appraisal, entered=entered, errors=errors), status=422)
    messages.success(request, _("已保存评分并重新计算。"))
    return redirect("appraisal:appraisal-detail", appraisal_id=appraisal.pk)


def _score_errors(exc: ApplicationError, sent: list[str], appraisal: Appraisal) -> dict:
    """The service names the entry ("0.score"); the page names the KPI."""
    names = {line["code"]: line["name"] for line in appraisal.kpis}
    fields = (exc.detail or {}).get("fields") if isinstance(exc.detail, dict) else None
    errors: dict[str, str] = {}
    for name, messages_ in (fields or {}).items():
        index = name.split(".", 1)[0]
        if index.isdigit() and int(index) < len(sent):
            code = sent[int(index)]
            errors[code] = _("%(kpi)s：%(message)s") % {"kpi": names.get(code, code), "message": " ".join(messages_)}
        else:
            errors[""] = " ".join(messages_)
    if not errors:
        errors[""] = exc.message
    return errors


@page
def my_appraisals(request):
    """The signed-in person's own appraisals, newest first."""
    actor = request.user
    appraisals = list(selectors.appraisals(actor, person_id=actor.pk).order_by("-cycle__period", "-id"))
    for appraisal in appraisals:
        _labels(appraisal.cycle)
        appraisal.badge = APPRAISAL_STATUS_BADGES.get(appraisal.status, "")
        appraisal.amount_text = explain.money(appraisal.bonus_amount)
    return render_page(request, "appraisal/my_appraisals.html", {"appraisals": appraisals})


@page
def appraisal_pdf(request, appraisal_id: int):
    """The appraisal's explanation as a PDF (A4), for the person and those who see the result."""
    appraisal = _appraisal(request.user, appraisal_id)
    return pdf.appraisal_pdf_response(appraisal)
