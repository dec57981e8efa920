"""Analytics pages: the dashboard, its Excel exports, the monthly evaluation and manager reviews."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from dudao.core.errors import ApplicationError
from dudao.core.periods import last_complete_month
from dudao.core.scoping import EVERYWHERE, paths_filter
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE
from dudao.core.views import form_error, get_for_actor, page, render_page, require
from dudao.org.choices import LEAF_KINDS
from dudao.org.models import Organization, Unit
from dudao.policies.choices import EvaluationComponent

from . import breakdowns, charts, exports, selectors, services, tables
from .choices import REVIEW_CASE_STATUS_BADGES, REVIEW_DECISION_BADGES, ExportTable
from .forms import DashboardFilterForm, DecideForm, MonthForm, ReviewCaseFilterForm, RunForm
from .models import ANALYTICS_READERS
from .permissions import (
    can_decide_review_case,
    can_run_evaluation,
    can_start_review_case,
    can_view_analytics,
    can_view_review_cases,
)
from .scope import (
    add_months,
    analytics_scope,
    month_end,
    month_start,
    parse_month,
    period_from,
    scope_unit_for,
)

EVALUATIONS_PAGE_SIZE = 50
CASES_PAGE_SIZE = 50
RANKING_SHOWN = 10


def _tabs(actor) -> dict:
    return {"cases": can_view_review_cases(actor)}


def _weights(run) -> list[tuple[str, str]]:
    if run is None:
        return []
    labels = dict(EvaluationComponent.choices)
    return [(labels.get(c["component"], c["component"]), c["weight"]) for c in run.policy.get("components", [])]


# --- dashboard ---------------------------------------------------------------------------------
def scope_choices(actor) -> list[tuple[int, str]]:
    """Units the person may pick as the dashboard's scope: the organising units they read, and the
    sites they hold a role on directly (a store manager's own store)."""
    paths = actor.scope_paths(ANALYTICS_READERS)
    units = Unit.objects.filter(organization_id=actor.organization_id, is_active=True)
    if paths != EVERYWHERE:
        units = units.filter(paths_filter("path", paths) if paths else Q(pk__in=[]))
        units = units.filter(~Q(kind__in=LEAF_KINDS) | Q(path__in=paths))
    else:
        units = units.exclude(kind__in=LEAF_KINDS)
    rows = list(units.order_by("path").values_list("id", "name", "depth"))
    top = min((depth for _, _, depth in rows), default=0)
    return [(pk, f"{'　' * (depth - top)}{name}") for pk, name, depth in rows]


def presets(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    quarter_start = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    last_month = add_months(today, -1)
    return [
        (_("本月"), month_start(today), today),
        (_("上月"), last_month, month_end(last_month)),
        (_("本季度"), quarter_start, today),
        (_("近6个月"), add_months(today, -5), today),
        (_("今年"), dt.date(today.year, 1, 1), today),
    ]


def _dashboard_request(request):
    """The scope and period a dashboard or export request asks for (404 for a scope out of reach)."""
    actor = request.user
    require(can_view_analytics(actor))
    unit = scope_unit_for(actor, request.GET.get("scope") or None)
    choices = scope_choices(actor)
    if unit is not None and unit.pk not in {pk for pk, _ in choices}:
        choices.append((unit.pk, unit.name))  # a site reached from a link: keep it selectable
    form = DashboardFilterForm(request.GET or None, scope_choices=choices)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})  # the valid fields, even when another one is not
    scope = analytics_scope(actor, unit)
    try:
        period = period_from(data.get("date_from"), data.get("date_to"))
    except ApplicationError as exc:
        form.add_error("date_from", exc.message)
        period = period_from(None, None)
    if not form.is_bound:
        form.initial = {"date_from": period.start, "date_to": period.end}
    return form, scope, period


def _filter_query(scope, period, explicit_scope: bool) -> str:
    params = {"date_from": period.start.isoformat(), "date_to": period.end.isoformat()}
    if explicit_scope and scope.unit is not None:
        params = {"scope": scope.unit.pk, **params}
    return urlencode(params)


@page
def dashboard(request):
    form, scope, period = _dashboard_request(request)
    data = breakdowns.dashboard(scope, period)
    explicit_scope = bool(request.GET.get("scope"))
    query = _filter_query(scope, period, explicit_scope)
    scope_query = f"scope={scope.unit.pk}&" if explicit_scope and scope.unit is not None else ""
    dates = f"date_from={period.start.isoformat()}&date_to={period.end.isoformat()}"
    here = reverse("analytics:dashboard")
    for row in [*data.groups, *data.ranking]:
        row["name_url"] = f"{here}?scope={row['unit_id']}&{dates}"  # drill down into the unit
    ranking = tables.ranking_table(data)
    context = {
        "tabs": _tabs(request.user),
        "form": form,
        "data": data,
        "summary": data.summary,
        "charts": charts.dashboard_charts(data),
        "tables": {name: build(data) for name, build in tables.DASHBOARD_TABLES.items()},
        "ranking_top": ranking.display_rows(RANKING_SHOWN),
        "ranking_bottom": (
            ranking.display_rows(last=RANKING_SHOWN) if len(ranking.rows) > 2 * RANKING_SHOWN else []
        ),
        "ranking_count": len(ranking.rows),
        "query": query,
        "scope_label": scope.unit.name if scope.unit is not None else _("我的全部范围"),
        "presets": [
            {"label": label, "url": f"?{scope_query}date_from={start.isoformat()}&date_to={end.isoformat()}",
             "active": start == period.start and end == period.end}
            for label, start, end in presets(timezone.localdate())
        ],
    }
    return render_page(request, "analytics/dashboard.html", context)


# --- Excel -------------------------------------------------------------------------------------
@page
def export(request):
    """`?table=<name>` with the dashboard's filters (or `month` for evaluations) -> .xlsx."""
    name = request.GET.get("table", "")
    if name not in ExportTable.values:
        raise Http404
    actor = request.user
    if name == ExportTable.EVALUATIONS:
        require(can_view_analytics(actor))
        month = _month_or_latest(actor, request.GET.get("month"))
        rows = selectors.evaluations(actor, month) if month else []
        table = tables.evaluations_table(rows, month or timezone.localdate())
        subtitle = request.user.organization.name
        filename = f"evaluations-{month or timezone.localdate():%Y-%m}.xlsx"
    else:
        _form, scope, period = _dashboard_request(request)
        data = breakdowns.dashboard(scope, period)
        table = tables.DASHBOARD_TABLES[name](data)
        scope_name = scope.unit.name if scope.unit is not None else _("我的全部范围")
        subtitle = f"{scope_name} · {period.start.isoformat()} – {period.end.isoformat()}"
        filename = f"{name}-{period.start.isoformat()}-{period.end.isoformat()}.xlsx"
    response = HttpResponse(exports.workbook_bytes(table, subtitle), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- evaluations -------------------------------------------------------------------------------
def _month_or_latest(actor, value: str | None) -> dt.date | None:
    if value:
        try:
            return parse_month(value)
        except ApplicationError:
            raise Http404 from None
    return selectors.latest_month(actor)


@page
def evaluations(request):
    actor = request.user
    form = MonthForm(request.GET or None)
    month = _month_or_latest(actor, request.GET.get("month"))
    key_only = request.GET.get("key_targets") in {"on", "1", "true"}
    rows = selectors.evaluations(actor, month, key_targets_only=key_only) if month else []
    paginator = Paginator(rows, EVALUATIONS_PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    run = selectors.evaluation_run_of(actor, month) if month and can_view_analytics(actor) else None
    table = tables.evaluations_table(page_obj.object_list, month or timezone.localdate())
    for row, evaluation in zip(table.rows, page_obj.object_list, strict=True):
        if evaluation.review_case_id:
            row["review_case_url"] = reverse("analytics:review-case-detail", args=[evaluation.review_case_id])
    # The run form proposes the last month that has ended: running the current one gives a provisional result.
    default_run_month = last_complete_month(timezone.localdate())
    context = {
        "tabs": _tabs(actor),
        "weights": _weights(run),
        "form": form,
        "month": month,
        "months": selectors.evaluation_months(actor)[:24],
        "key_only": key_only,
        "page_obj": page_obj,
        "table": table,
        "rows": table.display_rows(),
        "run": run,
        "can_run": can_run_evaluation(actor),
        "run_form": RunForm(initial={"month": f"{default_run_month:%Y-%m}"}),
        "query": urlencode({"month": f"{month:%Y-%m}"}) if month else "",
        "page_query": urlencode({k: v for k, v in {"month": f"{month:%Y-%m}" if month else "",
                                                   "key_targets": "on" if key_only else ""}.items() if v}),
    }
    return render_page(request, "analytics/evaluations.html", context, partial="analytics/partials/_evaluations.html")


@page
@require_POST
def evaluations_run(request):
    actor = request.user
    require(can_run_evaluation(actor))
    form = RunForm(request.POST)
    target = reverse("analytics:evaluations")
    if not form.is_valid():
        messages.error(request, _("请选择评估月份"))
        return redirect(target)
    try:
        month = parse_month(form.cleaned_data["month"])
        run = services.evaluation_run(actor=actor, organization=Organization.objects.get(pk=actor.organization_id),
                                      month=month)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(target)
    if run.provisional:
        messages.warning(request, _("%(month)s 尚未结束,本次评估结果为暂定:不列重点整改对象、不发起管理评议,月末后重新评估为准")
                         % {"month": f"{run.month:%Y-%m}"})
    else:
        messages.success(
            request, _("已完成 %(month)s 月度综合评估:%(units)s 家机构,重点整改对象 %(targets)s 家,新开管理评议 %(cases)s 件")
            % {"month": f"{run.month:%Y-%m}", "units": run.units, "targets": run.key_targets,
               "cases": run.review_cases_opened})
    return redirect(f"{target}?month={run.month:%Y-%m}")


# --- review cases ------------------------------------------------------------------------------
@page
def review_cases(request):
    actor = request.user
    form = ReviewCaseFilterForm(request.GET or None)
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    paginator = Paginator(selectors.review_cases(actor, status), CASES_PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    context = {"tabs": _tabs(actor), "form": form, "page_obj": page_obj, "status": status}
    return render_page(request, "analytics/review_cases.html", context, partial="analytics/partials/_review_cases.html")


def _detail_context(actor, case, decide_form=None) -> dict:
    return {
        "case": case,
        "history": selectors.unit_history(case),
        "status_badge": REVIEW_CASE_STATUS_BADGES.get(case.status, ""),
        "decision_badge": REVIEW_DECISION_BADGES.get(case.decision, ""),
        "can_start": can_start_review_case(actor, case),
        "can_decide": can_decide_review_case(actor, case),
        "decide_form": decide_form or DecideForm(),
    }


@page
def review_case_detail(request, case_id: int):
    actor = request.user
    case = get_for_actor(selectors.review_cases(actor), actor, case_id)
    return render_page(request, "analytics/review_case_detail.html", _detail_context(actor, case))


@page
@require_POST
def review_case_start(request, case_id: int):
    actor = request.user
    case = get_for_actor(selectors.review_cases(actor), actor, case_id, action="decide")
    try:
        services.review_case_start(actor=actor, case=case)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已开始评议"))
    return redirect(case.get_absolute_url())


@page
@require_POST
def review_case_decide(request, case_id: int):
    actor = request.user
    case = get_for_actor(selectors.review_cases(actor), actor, case_id, action="decide")
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.review_case_decide(actor=actor, case=case, decision=form.cleaned_data["decision"],
                                        notes=form.cleaned_data["notes"])
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已记录评议决定"))
            return redirect(case.get_absolute_url())
    case = get_for_actor(selectors.review_cases(actor), actor, case_id)
    return render_page(request, "analytics/review_case_detail.html", _detail_context(actor, case, form), status=422)


# --- before/after ------------------------------------------------------------------------------
BEFORE_AFTER_ROWS = (
    ("inspections", _lazy("检查次数"), ""), ("average_score", _lazy("平均得分"), ""),
    ("pass_rate", _lazy("检查合格率"), "%"), ("findings", _lazy("问题数"), ""),
    ("on_time_closure_rate", _lazy("按时整改率"), "%"), ("repeat_rate", _lazy("重复问题率"), "%"),
    ("evaluation_score", _lazy("月度综合得分"), ""),
)


@page
def before_after(request, unit_id: int):
    """A unit's (or region's) figures before and after a date picked from its events (or typed)."""
    from .before_after import DEFAULT_DAYS
    from .before_after import before_after as compare
    from .pivots import pivots_for

    actor = request.user
    unit = scope_unit_for(actor, unit_id)
    scope = analytics_scope(actor, unit)
    pivots = pivots_for(unit)
    today = timezone.localdate()
    error = ""
    try:
        pivot = dt.date.fromisoformat(request.GET["pivot"]) if request.GET.get("pivot") else None
        days = int(request.GET.get("days") or DEFAULT_DAYS)
    except ValueError:
        pivot, days, error = None, DEFAULT_DAYS, _("日期格式应为 YYYY-MM-DD,天数应为整数")
    pivot = pivot or (pivots[0]["date"] if pivots else None)
    result = None
    if pivot is not None:
        try:
            result = compare(scope, pivot, days, today)
        except ApplicationError as exc:
            error = exc.message
    rows = []
    if result is not None:
        rows = [{"label": label, "unit": unit_mark, "before": result["before"][key], "after": result["after"][key],
                 "difference": result["difference"][key]} for key, label, unit_mark in BEFORE_AFTER_ROWS]
    return render_page(request, "analytics/before_after.html", {
        "tabs": _tabs(actor), "unit": unit, "pivots": pivots, "pivot": pivot, "days": days, "result": result,
        "rows": rows, "error": error,
    }, status=422 if error else 200)
