"""Reports and bulletins API (DESIGN.md section 5): draft, edit, submit and export reports; compile,
publish, read and follow bulletins."""

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.inspections.models import Inspection
from dudao.org.models import Unit
from dudao.planning.models import Plan

from . import documents, selectors, services
from .models import Bulletin, Report
from .permissions import can_follow_bulletin_reads
from .schemas import (
    BulletinDetailOut,
    BulletinIn,
    BulletinOut,
    BulletinReadOut,
    BulletinReadsOut,
    ReportDetailOut,
    ReportIn,
    ReportOut,
    ReportUpdateIn,
)

router = Router(tags=["reporting"])

bulletins_router = Router(tags=["bulletins"])

# --- reports ---------------------------------------------------------------------------------
class ReportFilters(Schema):
    status: str = ""
    source: str = ""


@router.get("", response=list[ReportOut])
@paginate(Pagination)
def report_list(request, filters: Query[ReportFilters]):
    """Reports the caller may read, newest first."""
    return selectors.reports_for(actor_of(request), **filters.dict())


@router.post("", response={201: ReportDetailOut})
def report_create(request, payload: ReportIn):
    """Draft a report from `{inspection_id}`, `{plan_id}` or `{period_start, period_end, scope_unit_id}`."""
    actor = actor_of(request)
    inspection = get_for_actor(Inspection, actor, payload.inspection_id) if payload.inspection_id is not None else None
    plan = get_for_actor(Plan, actor, payload.plan_id) if payload.plan_id is not None else None
    scope_unit = get_for_actor(Unit, actor, payload.scope_unit_id) if payload.scope_unit_id is not None else None
    report = services.report_draft(
        actor=actor, inspection=inspection, plan=plan, scope_unit=scope_unit, period_start=payload.period_start,
        period_end=payload.period_end, title=payload.title,
    )
    return Status(201, report)


@router.get("/{report_id}", response=ReportDetailOut)
def report_get(request, report_id: int):
    return get_for_actor(Report.objects.select_related("scope_unit"), actor_of(request), report_id)


@router.put("/{report_id}", response=ReportDetailOut)
def report_update(request, report_id: int, payload: ReportUpdateIn):
    """Edit a draft's title and sections."""
    actor = actor_of(request)
    report = get_for_actor(Report, actor, report_id, action="manage")
    return services.report_update(actor=actor, report=report, sections=payload.sections, title=payload.title)


@router.post("/{report_id}/submit", response=ReportDetailOut)
def report_submit(request, report_id: int):
    """Send a draft for approval; `approval_id` names the request."""
    actor = actor_of(request)
    report = get_for_actor(Report, actor, report_id, action="manage")
    return services.report_submit(actor=actor, report=report)


@router.get("/{report_id}/pdf", response={200: None})
def report_pdf(request, report_id: int):
    report = get_for_actor(Report.objects.select_related("scope_unit", "organization", "created_by"),
                           actor_of(request), report_id)
    return documents.report_pdf_response(report)


@router.get("/{report_id}/xlsx", response={200: None})
def report_xlsx(request, report_id: int):
    report = get_for_actor(Report.objects.select_related("scope_unit", "organization"), actor_of(request), report_id)
    return documents.report_xlsx_response(report)


# --- bulletins -------------------------------------------------------------------------------
class BulletinFilters(Schema):
    status: str = ""


@bulletins_router.get("", response=list[BulletinOut])
@paginate(Pagination)
def bulletin_list(request, filters: Query[BulletinFilters]):
    """Bulletins the caller may read (unit managers: the published ones of their scope), newest first."""
    return selectors.bulletins_for(actor_of(request), **filters.dict())


@bulletins_router.post("", response={200: BulletinDetailOut, 201: BulletinDetailOut})
def bulletin_create(request, payload: BulletinIn):
    """Compile the bulletin of a scope and period (201); compiling a draft again refreshes it (200)."""
    actor = actor_of(request)
    scope_unit = get_for_actor(Unit, actor, payload.scope_unit_id)
    bulletin, created = services.bulletin_compile(
        actor=actor, scope_unit=scope_unit, period_start=payload.period_start, period_end=payload.period_end,
    )
    return Status(201 if created else 200, bulletin)


@bulletins_router.get("/{bulletin_id}", response=BulletinDetailOut)
def bulletin_get(request, bulletin_id: int):
    return get_for_actor(Bulletin.objects.select_related("scope_unit"), actor_of(request), bulletin_id)


@bulletins_router.post("/{bulletin_id}/publish", response=BulletinDetailOut)
def bulletin_publish(request, bulletin_id: int):
    actor = actor_of(request)
    bulletin = get_for_actor(Bulletin, actor, bulletin_id, action="manage")
    return services.bulletin_publish(actor=actor, bulletin=bulletin)


@bulletins_router.post("/{bulletin_id}/read", response=BulletinReadOut)
def bulletin_read(request, bulletin_id: int):
    """A unit manager records that their unit has read the bulletin (again: no change)."""
    actor = actor_of(request)
    bulletin = get_for_actor(Bulletin.objects.select_related("scope_unit"), actor, bulletin_id, action="read")
    receipts = services.bulletin_mark_read(actor=actor, bulletin=bulletin)
    return {"bulletin_id": bulletin.pk, "unit_ids": [r.unit_id for r in receipts],
            "read_at": min((r.read_at for r in receipts if r.read_at), default=None)}


@bulletins_router.get("/{bulletin_id}/reads", response=BulletinReadsOut)
def bulletin_reads(request, bulletin_id: int):
    """Which units in scope have read the published bulletin and which have not."""
    actor = actor_of(request)
    bulletin = get_for_actor(Bulletin.objects.select_related("scope_unit"), actor, bulletin_id, action="follow")
    if not can_follow_bulletin_reads(actor, bulletin):
        return {"read": [], "unread": []}
    return selectors.bulletin_reads(bulletin)


@bulletins_router.get("/{bulletin_id}/pdf", response={200: None})
def bulletin_pdf(request, bulletin_id: int):
    bulletin = get_for_actor(Bulletin.objects.select_related("scope_unit", "organization"), actor_of(request),
                             bulletin_id)
    return documents.bulletin_pdf_response(bulletin)
