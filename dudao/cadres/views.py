"""Pages of the quarterly cadre report: the list, drafting a quarter, the report (a table on the
desktop, cards on the phone), settling one cadre's row, publishing, the Excel file, and a store
manager's own published evaluations."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dudao.core.access import get_for_actor
from dudao.core.attachments import disposition_header
from dudao.core.errors import ApplicationError
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE
from dudao.core.views import form_error, page, raise_if_hidden, render_page, require
from dudao.org.choices import UnitKind
from dudao.org.models import Unit

from . import selectors, services
from .choices import (
    ABILITY_BADGES,
    PAY_BADGES,
    POST_BADGES,
    REPORT_STATUS_BADGES,
    Ability,
    Pay,
    Post,
    ReportStatus,
)
from .export import report_workbook
from .models import CadreReport, CadreRow
from .permissions import EDITORS, can_edit_cadre_report, can_view_cadre_reports
from .workflow import CADRE_REPORT


class ReportForm(forms.Form):
    quarter = forms.CharField(label=gettext_lazy("季度"), max_length=7,
                              widget=forms.TextInput(attrs={"list": "quarter-options"}),
                              help_text=gettext_lazy("格式 YYYY-Qn，默认为最近一个已结束的季度；进行中的季度起草为暂定报告，"
                                                     "季度结束后重新生成再发布"))
    scope_unit = forms.ModelChoiceField(label=gettext_lazy("范围"), queryset=None)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_unit"].queryset = units


class RowForm(forms.Form):
    ability = forms.ChoiceField(label=gettext_lazy("能力评级"), choices=Ability.choices)
    post = forms.ChoiceField(label=gettext_lazy("职务调整"), choices=Post.choices)
    pay = forms.ChoiceField(label=gettext_lazy("薪资调整"), choices=Pay.choices)
    comment = forms.CharField(label=gettext_lazy("评语及培养措施"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}))


def _labelled(row: CadreRow) -> CadreRow:
    """Labels and badge colours of a row's judgements, for the templates."""
    row.labels = {
        "ability": (Ability(row.ability).label, ABILITY_BADGES[row.ability]),
        "post": (Post(row.post).label, POST_BADGES[row.post]),
        "pay": (Pay(row.pay).label, PAY_BADGES[row.pay]),
        "suggested_ability": Ability(row.suggested_ability).label, "suggested_post": Post(row.suggested_post).label,
        "suggested_pay": Pay(row.suggested_pay).label,
    }
    return row


@page
def report_list(request):
    actor = request.user
    require(can_view_cadre_reports(actor))
    reports = list(selectors.reports_for(actor)[:100])
    for report in reports:
        report.badge = REPORT_STATUS_BADGES[report.status]
    return render_page(request, "cadres/report_list.html", {
        "reports": reports, "can_draft": actor.has_role(*EDITORS)})


@page
def report_create(request):
    actor = request.user
    require(actor.has_role(*EDITORS))
    units = Unit.objects.filter(organization_id=actor.organization_id, is_active=True,
                                kind__in=[UnitKind.COMPANY, UnitKind.REGION]).order_by("path")
    today = timezone.localdate()
    last, current = selectors.last_complete_quarter(today), selectors.current_quarter(today)
    initial = {"quarter": last, "scope_unit": units.first()}
    form = ReportForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.cadre_report_create(actor=actor, quarter=form.cleaned_data["quarter"],
                                                  scope_unit=form.cleaned_data["scope_unit"])
        except ApplicationError as exc:
            raise_if_hidden(exc)
            form_error(form, exc)
        else:
            messages.success(request, _("已起草评估报告，请逐人确认后发布。"))
            return redirect("cadres:report-detail", report.pk)
    return render_page(request, "cadres/report_form.html", {
        "form": form, "options": [(last, _("最近已结束")), (current, _("进行中"))]})


@page
def report_detail(request, report_id: int):
    actor = request.user
    report = get_for_actor(CadreReport.objects.select_related("scope_unit", "created_by", "published_by"),
                           actor, report_id)
    rows = [_labelled(row) for row in selectors.report_rows(report, actor)]
    can_edit = can_edit_cadre_report(actor, report) and CADRE_REPORT.editable(report)
    quarter_ended = selectors.parse_quarter(report.quarter)[1].has_ended(timezone.localdate())
    return render_page(request, "cadres/report_detail.html", {
        "report": report, "rows": rows, "badge": REPORT_STATUS_BADGES[report.status], "can_edit": can_edit,
        "can_publish": can_edit and not report.provisional and CADRE_REPORT.allowed(report, "publish"),
        # A provisional draft whose quarter has ended is drafted again (the same POST as a new report).
        "can_regenerate": can_edit and report.provisional and quarter_ended, "quarter_ended": quarter_ended,
    })


@page
def row_edit(request, report_id: int, row_id: int):
    actor = request.user
    report = get_for_actor(CadreReport.objects.select_related("scope_unit"), actor, report_id, action="manage")
    row = report.rows.select_related("person").filter(pk=row_id).first()
    require(row is not None and CADRE_REPORT.editable(report))
    form = RowForm(request.POST or None, initial={"ability": row.ability, "post": row.post, "pay": row.pay,
                                                   "comment": row.comment})
    if request.method == "POST" and form.is_valid():
        try:
            services.cadre_row_update(actor=actor, report=report, row_id=row.pk, **form.cleaned_data)
        except ApplicationError as exc:
            raise_if_hidden(exc)
            form_error(form, exc)
        else:
            messages.success(request, _("已保存 %(name)s 的评估。") % {"name": row.person.display_name})
            return redirect(f"{report.get_absolute_url()}#row-{row.pk}")
    return render_page(request, "cadres/row_form.html", {"report": report, "row": _labelled(row), "form": form})


@page
@require_POST
def report_publish(request, report_id: int):
    actor = request.user
    report = get_for_actor(CadreReport, actor, report_id, action="manage")
    try:
        services.cadre_report_publish(actor=actor, report=report)
    except ApplicationError as exc:
        raise_if_hidden(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("报告已发布，各店长可在“我的季度评估”查看本人结果。"))
    return redirect("cadres:report-detail", report.pk)


@page
def report_xlsx(request, report_id: int):
    report = get_for_actor(CadreReport.objects.select_related("scope_unit"), request.user, report_id)
    rows = selectors.report_rows(report, request.user)
    response = HttpResponse(report_workbook(report, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = disposition_header(
        f"{_('干部季度评估')}-{report.quarter}.xlsx", f"cadres-{report.quarter}.xlsx")
    return response


@page
def my_evaluations(request):
    rows = [_labelled(row) for row in selectors.my_rows(request.user)]
    return render_page(request, "cadres/mine.html", {"rows": rows, "published": ReportStatus.PUBLISHED})
