"""Cadre report API: draft a quarter's report, list and read them, settle a row, publish, xlsx."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.core.attachments import disposition_header
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE
from dudao.org.models import Unit

from . import selectors, services
from .export import report_workbook
from .models import CadreReport
from .schemas import ReportIn, ReportOut, ReportSummaryOut, RowIn, RowOut

router = Router(tags=["cadres"])


def _report(request, report_id: int, action: str = "view") -> CadreReport:
    return get_for_actor(CadreReport.objects.select_related("scope_unit"), actor_of(request), report_id, action=action)


def _out(report: CadreReport, actor) -> dict:
    return {"id": report.pk, "quarter": report.quarter, "scope_unit_id": report.scope_unit_id,
            "status": report.status, "provisional": report.provisional, "created_at": report.created_at, "published_at": report.published_at,
            "rules": report.rules, "rows": selectors.report_rows(report, actor)}


@router.post("", response={201: ReportOut})
def report_create(request, payload: ReportIn):
    """Draft the quarter's report (`{quarter: "2026-Q3", scope_unit_id}`) with a row per store manager.
    The quarter under way gives a `provisional` draft; the same POST after the quarter has ended
    replaces that draft with the final one."""
    actor = actor_of(request)
    unit = get_for_actor(Unit, actor, payload.scope_unit_id)
    report = services.cadre_report_create(actor=actor, quarter=payload.quarter, scope_unit=unit)
    return Status(201, _out(report, actor))


@router.get("", response=list[ReportSummaryOut])
@paginate(Pagination)
def report_list(request, status: str = "", quarter: str = ""):
    return selectors.reports_for(actor_of(request), status=status, quarter=quarter)


@router.get("/{report_id}", response=ReportOut)
def report_detail(request, report_id: int):
    return _out(_report(request, report_id), actor_of(request))


@router.put("/{report_id}/rows/{row_id}", response=RowOut)
def row_update(request, report_id: int, row_id: int, payload: RowIn):
    """The final `{ability, post, pay, comment}` of one cadre (draft only)."""
    report = _report(request, report_id, "manage")
    return services.cadre_row_update(actor=actor_of(request), report=report, row_id=row_id, **payload.dict())


@router.post("/{report_id}/publish", response=ReportOut)
def report_publish(request, report_id: int):
    report = services.cadre_report_publish(actor=actor_of(request), report=_report(request, report_id, "manage"))
    return _out(_report(request, report.pk), actor_of(request))


@router.get("/{report_id}/xlsx", response={200: None})
def report_xlsx(request, report_id: int):
    report = _report(request, report_id)
    rows = selectors.report_rows(report, actor_of(request))
    response = HttpResponse(report_workbook(report, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = disposition_header(
        f"{_('干部季度评估')}-{report.quarter}.xlsx", f"cadres-{report.quarter}.xlsx")
    return response
