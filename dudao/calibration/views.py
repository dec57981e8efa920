"""Calibration pages: the overview (pairs, each supervisor's drift, item agreement), one pair's two
inspections side by side once both are done, and the report as an Excel workbook."""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation

from django import forms
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from dudao.core.access import get_for_actor
from dudao.core.errors import ApplicationError
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE, append_row
from dudao.core.views import form_error, page, render_page, require

from .choices import PairStatus
from .figures import calibration_report, current_answers, difference, same_answer
from .models import CalibrationPair
from .permissions import can_view_calibration, can_view_pair
from .selectors import calibration_period, calibration_scope


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("首次检查自"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=gettext_lazy("至"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _report(request):
    """(form, report or None, period query string) for the overview and the export."""
    actor = request.user
    require(can_view_calibration(actor))
    scope = calibration_scope(actor)
    form = PeriodForm(request.GET or None)
    if request.GET and not form.is_valid():
        return form, None, ""
    data = form.cleaned_data if request.GET else {}
    try:
        period = calibration_period(actor.organization_id, data.get("date_from"), data.get("date_to"))
    except ApplicationError as exc:
        form_error(form, ApplicationError(exc.code, exc.message, {"fields": {
            {"from": "date_from", "to": "date_to"}.get(k, k): v for k, v in exc.detail["fields"].items()}}))
        return form, None, ""
    if not request.GET:
        form = PeriodForm(initial={"date_from": period.start, "date_to": period.end})
    query = f"date_from={period.start.isoformat()}&date_to={period.end.isoformat()}"
    return form, calibration_report(scope, period), query


@page
def overview(request):
    form, report, query = _report(request)
    return render_page(request, "calibration/overview.html", {"form": form, "report": report, "query": query},
                       status=200 if report is not None else 422)


def _shown(answer) -> str:
    """An answer as a reader says it (合格 / 不合格 / 不适用, else the value itself)."""
    if answer is None or answer.value in (None, ""):
        return "—"
    value = str(answer.value)
    if value in ("pass", "fail", "na"):
        return {"pass": _("合格"), "fail": _("不合格"), "na": _("不适用")}[value]
    try:
        return f"{Decimal(value).normalize():f}"  # 10.00 -> 10, 2.5000 -> 2.5
    except InvalidOperation:
        return value


@page
def pair_detail(request, pair_id: int):
    """Both inspections item by item, once the second is done; before that only who and when."""
    actor = request.user
    pair = get_for_actor(
        CalibrationPair.objects.select_related("unit", "template", "first_inspection", "second_inspection",
                                               "first_inspector", "second_supervisor", "second_visit"),
        actor, pair_id,
    )
    require(can_view_pair(actor, pair))
    rows = []
    if pair.status == PairStatus.COMPLETED:
        answers = current_answers([pair.first_inspection_id, pair.second_inspection_id])
        firsts, seconds = answers.get(pair.first_inspection_id, {}), answers.get(pair.second_inspection_id, {})
        for item_id, first in sorted(firsts.items(), key=lambda kv: (kv[1].item.section_id, kv[1].item.position)):
            second = seconds.get(item_id)
            agree = second is not None and first.item.is_scorable and same_answer(first.item, first, second)
            rows.append({"item": first.item, "first": _shown(first), "second": _shown(second), "agree": agree,
                         "first_failed": first.failed, "second_failed": bool(second and second.failed)})
    diff = difference(pair.first_inspection.score, pair.second_inspection.score) if pair.second_inspection else None
    return render_page(request, "calibration/pair_detail.html", {"pair": pair, "rows": rows, "difference": diff})


@page
def export(request):
    """The calibration report of the period as an Excel workbook: supervisors, items, pairs."""
    form, report, _query = _report(request)
    require(report is not None)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("督导偏差"))
    append_row(sheet, [_("督导"), _("已完成复查"), _("偏差(分)"), _("95% 置信区间下限"), _("95% 置信区间上限"),
                       _("标记")])
    for s in report.supervisors:
        append_row(sheet, [s.person.display_name, s.drift.pairs, s.drift.drift, s.drift.ci_low, s.drift.ci_high,
                           _("是") if s.drift.flagged else ""])
    sheet = book.create_sheet(_("检查项一致率"))
    append_row(sheet, [_("编码"), _("检查项"), _("复查对数"), _("一致率(%)"), _("Kappa"), _("Kappa 样本数")])
    for i in report.items:
        append_row(sheet, [i.code, i.text, i.pairs, i.agreement, i.kappa, i.kappa_count])
    sheet = book.create_sheet(_("复查对"))
    append_row(sheet, [_("编号"), _("机构"), _("首次检查时间"), _("首次督导"), _("首次得分"), _("复查督导"), _("复查得分"),
                       _("差值"), _("状态")])
    for p in report.pairs:
        second = p.second_inspection
        append_row(sheet, [
            p.pk, p.unit.name, p.first_inspection.performed_at.strftime("%Y-%m-%d"), p.first_inspector.display_name,
            p.first_inspection.score, p.second_supervisor.display_name if p.second_supervisor else "",
            second.score if second else None, p.difference, p.get_status_display()])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="calibration-{report.period.start.isoformat()}-{report.period.end.isoformat()}.xlsx"')
    return response
