"""Appraisal data API (DESIGN.md section 5): KPI values with their cross-check, and targets."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.core.attachments import disposition_header
from dudao.core.errors import validation_error
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE
from dudao.org.models import Person, Unit

from . import explain, payroll, pdf, results, selectors, services
from .models import Appraisal, AppraisalCycle
from .schemas import (
    AppealIn,
    AppealOut,
    AppraisalOut,
    CycleIn,
    CycleOut,
    CycleSubmitOut,
    KpiValueListOut,
    ManualScoreIn,
    TargetIn,
    TargetOut,
)

kpi_values_router = Router(tags=["appraisal"])
targets_router = Router(tags=["appraisal"])
appraisals_router = Router(tags=["appraisal"])


@kpi_values_router.get("", response=KpiValueListOut)
def kpi_value_list(request, page: Query[Pagination.Input], period: str | None = None, kpi_code: str | None = None,
                   username: str | None = None, unit_id: int | None = None):
    """Figures the caller may see; each says whether a second source confirms it (`verified`) or
    how far one differs beyond the policy tolerance (`discrepancy`, a ratio)."""
    queryset = selectors.kpi_values(actor_of(request), period=period, kpi_code=kpi_code, username=username,
                                    unit_id=unit_id)
    items = list(queryset[page.offset:page.offset + page.limit])
    selectors.cross_check(items)
    return {"items": items, "count": queryset.count()}


@targets_router.get("", response=list[TargetOut])
@paginate(Pagination)
def target_list(request, period: str | None = None, kpi_code: str | None = None, username: str | None = None,
                unit_id: int | None = None, status: str | None = None):
    return selectors.targets(actor_of(request), period=period, kpi_code=kpi_code, username=username,
                             unit_id=unit_id, status=status)


@targets_router.post("", response={201: TargetOut})
def target_create(request, payload: TargetIn):
    """Set a target; after the period started it is a pending revision (`status`, `approval_id`)."""
    actor = actor_of(request)
    person = unit = None
    if payload.username and payload.unit_id is not None:
        raise validation_error("unit_id", _("用户名和机构只能填一个"))
    if payload.username:
        person = Person.objects.filter(organization_id=actor.organization_id,
                                       username__iexact=payload.username.strip()).first()
        if person is None:
            raise validation_error("username", _("用户名“%(value)s”不存在") % {"value": payload.username})
    elif payload.unit_id is not None:
        unit = get_for_actor(Unit, actor, payload.unit_id)
    target = services.target_set(actor=actor, person=person, unit=unit, kpi_code=payload.kpi_code,
                                 period=payload.period, value=payload.value, reason=payload.reason)
    return Status(201, target)


# --- appraisal cycles and appraisals -------------------------------------------------------------
@appraisals_router.post("/cycles", response={201: CycleOut})
def cycle_create(request, payload: CycleIn):
    """Open a cycle for everyone holding `role` in the scope (probation: `person_ids`), scored at once."""
    actor = actor_of(request)
    scope_unit = get_for_actor(Unit, actor, payload.scope_unit_id)
    cycle = services.cycle_create(actor=actor, role=payload.role, period=payload.period, scope_unit=scope_unit,
                                  kind=payload.kind, person_ids=payload.person_ids)
    return Status(201, cycle)


@appraisals_router.get("/cycles", response=list[CycleOut])
@paginate(Pagination)
def cycle_list(request, period: str | None = None, role: str | None = None, status: str | None = None):
    return selectors.cycles(actor_of(request), period=period, role=role, status=status).prefetch_related("appraisals")


@appraisals_router.get("/cycles/{cycle_id}", response=CycleOut)
def cycle_detail(request, cycle_id: int):
    return get_for_actor(AppraisalCycle.objects.prefetch_related("appraisals"), actor_of(request), cycle_id)


@appraisals_router.post("/cycles/{cycle_id}/compute", response=CycleOut)
def cycle_compute(request, cycle_id: int):
    """Rescore every open appraisal of the cycle from today's figures."""
    actor = actor_of(request)
    cycle = get_for_actor(AppraisalCycle, actor, cycle_id, action="manage")
    services.cycle_compute(actor=actor, cycle=cycle)
    return get_for_actor(AppraisalCycle.objects.prefetch_related("appraisals"), actor, cycle_id)


@appraisals_router.get("", response=list[AppraisalOut])
@paginate(Pagination)
def appraisal_list(request, cycle_id: int | None = None, person_id: int | None = None):
    """Appraisals the caller may see (their scope, and their own), each figure explained."""
    return [selectors.appraisal_out(a)
            for a in selectors.appraisals(actor_of(request), cycle_id=cycle_id, person_id=person_id)]


def _appraisal(request, appraisal_id: int, action: str = "view") -> Appraisal:
    return get_for_actor(Appraisal.objects.select_related("person", "cycle", "cycle__scope_unit"),
                         actor_of(request), appraisal_id, action=action)


@appraisals_router.get("/{appraisal_id}", response=AppraisalOut)
def appraisal_detail(request, appraisal_id: int):
    return selectors.appraisal_out(_appraisal(request, appraisal_id))


@appraisals_router.put("/{appraisal_id}/scores", response=AppraisalOut)
def appraisal_scores(request, appraisal_id: int, payload: list[ManualScoreIn]):
    """Score the manual KPIs `[{kpi_code, score, note}]`; the appraisal is recomputed."""
    appraisal = _appraisal(request, appraisal_id, "manage")
    services.manual_scores_set(actor=actor_of(request), appraisal=appraisal,
                               scores=[entry.dict() for entry in payload])
    return selectors.appraisal_out(_appraisal(request, appraisal_id))


@appraisals_router.post("/{appraisal_id}/compute", response=AppraisalOut)
def appraisal_compute(request, appraisal_id: int):
    appraisal = _appraisal(request, appraisal_id, "manage")
    services.cycle_compute(actor=actor_of(request), cycle=appraisal.cycle, appraisal_ids=[appraisal.pk])
    return selectors.appraisal_out(_appraisal(request, appraisal_id))


@appraisals_router.get("/{appraisal_id}/explanation")
def appraisal_explanation(request, appraisal_id: int):
    """Every figure of the appraisal in plain words (text/plain)."""
    return HttpResponse(explain.explanation_text(_appraisal(request, appraisal_id)),
                        content_type="text/plain; charset=utf-8")


@appraisals_router.get("/{appraisal_id}/pdf")
def appraisal_pdf(request, appraisal_id: int):
    """The explanation as a PDF (A4): header, each KPI explained, adjustment, bonus, generated time."""
    appraisal = get_for_actor(Appraisal.objects.select_related("person", "cycle", "scope_unit", "organization"),
                              actor_of(request), appraisal_id)
    return pdf.appraisal_pdf_response(appraisal)


# --- the results flow: submission, payroll sheet and appeals -----------------------------------------
@appraisals_router.post("/cycles/{cycle_id}/submit", response=CycleSubmitOut)
def cycle_submit(request, cycle_id: int):
    """Send the cycle's open appraisals through the result flow (one `appraisal_result` request)."""
    actor = actor_of(request)
    cycle = results.cycle_submit(actor=actor, cycle=get_for_actor(AppraisalCycle, actor, cycle_id))
    return {"id": cycle.pk, "status": cycle.status, "approval_id": cycle.approval_id}


@appraisals_router.get("/cycles/{cycle_id}/xlsx", response={200: None})
def cycle_payroll(request, cycle_id: int):
    """The payroll sheet of a final cycle (xlsx); 409 naming the status before that."""
    actor = actor_of(request)
    cycle = get_for_actor(AppraisalCycle.objects.select_related("scope_unit"), actor, cycle_id)
    response = HttpResponse(payroll.cycle_payroll_download(actor=actor, cycle=cycle), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = disposition_header(
        f"{_('奖金发放表')}-{cycle.period}-{cycle.role}.xlsx", f"payroll-{cycle.period}-{cycle.role}.xlsx")
    return response


@appraisals_router.post("/{appraisal_id}/appeal", response=AppealOut)
def appraisal_appeal(request, appraisal_id: int, payload: AppealIn):
    """The appraised person appeals their final appraisal within the policy window (`{reason}`)."""
    actor = actor_of(request)
    approval = results.appraisal_appeal(actor=actor, appraisal=_appraisal(request, appraisal_id),
                                        reason=payload.reason)
    appraisal = _appraisal(request, appraisal_id)
    return {"id": appraisal.pk, "status": appraisal.status, "approval_id": approval.pk}
