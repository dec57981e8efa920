"""Pages of appraisal data: KPI values (filtered, discrepancies highlighted, Excel export) and targets."""

from __future__ import annotations

from decimal import Decimal

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.attachments import disposition_header
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE
from dudao.core.views import page, render_page, require
from dudao.imports.permissions import can_run_imports

from . import selectors
from .choices import TARGET_STATUS_BADGES, TargetStatus
from .export import kpi_values_workbook
from .permissions import can_view_appraisal_data

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
