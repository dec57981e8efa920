"""Work plans API (DESIGN.md section 5)."""

from __future__ import annotations

from ninja import Router, Status
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of

from . import services
from .models import WorkPlan
from .schemas import SummaryIn, WorkPlanIn, WorkPlanOut

router = Router(tags=["work plans"])


def _plan(request, plan_id: int) -> WorkPlan:
    return get_for_actor(WorkPlan.objects.select_related("owner").prefetch_related("items"), actor_of(request), plan_id)


@router.post("", response={201: WorkPlanOut})
def work_plan_create(request, payload: WorkPlanIn):
    plan = services.work_plan_create(actor=actor_of(request), period_kind=payload.period_kind,
                                     period_start=payload.period_start, items=[i.dict() for i in payload.items])
    return Status(201, _plan(request, plan.pk))


@router.get("", response=list[WorkPlanOut])
@paginate(Pagination)
def work_plan_list(request, owner_id: int | None = None, status: str | None = None):
    queryset = WorkPlan.objects.visible_to(actor_of(request)).select_related("owner").prefetch_related("items")
    if owner_id is not None:
        queryset = queryset.filter(owner_id=owner_id)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-period_start", "-id")


@router.get("/{plan_id}", response=WorkPlanOut)
def work_plan_detail(request, plan_id: int):
    return _plan(request, plan_id)


@router.post("/{plan_id}/submit", response=WorkPlanOut)
def work_plan_submit(request, plan_id: int):
    services.work_plan_submit(actor=actor_of(request), plan=_plan(request, plan_id))
    return _plan(request, plan_id)


@router.put("/{plan_id}/summary", response=WorkPlanOut)
def work_plan_summary(request, plan_id: int, payload: SummaryIn):
    """Each item done or not; 422 naming every item not done without a reason."""
    services.work_plan_summarise(actor=actor_of(request), plan=_plan(request, plan_id),
                                 items=[i.dict() for i in payload.items], note=payload.note)
    return _plan(request, plan_id)
