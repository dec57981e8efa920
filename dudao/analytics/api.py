"""API for analytics (`/api/v1/analytics`) and the monthly evaluation with its manager review cases
(`/api/v1/evaluations`), as DESIGN.md section 5 gives."""


from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.core.errors import ApplicationError, ErrorCode, validation_error
from dudao.facts.figures import summary
from dudao.org.models import Organization

from . import selectors, services
from .before_after import before_after
from .models import ReviewCase, UnitEvaluation
from .permissions import can_run_evaluation, can_view_analytics, can_view_review_cases
from .pivots import pivots_for
from .schemas import (
    BeforeAfterOut,
    BeforeAfterQuery,
    DecideIn,
    EvaluationOut,
    EvaluationQuery,
    ReviewCaseOut,
    ReviewCaseQuery,
    RunIn,
    RunOut,
    SummaryOut,
    SummaryQuery,
)
from .scope import analytics_scope, parse_month, period_from, scope_unit_for

router = Router(tags=["analytics"])

evaluations_router = Router(tags=["evaluations"])


def _not_found():
    raise ApplicationError(ErrorCode.NOT_FOUND, "Not found")


# --- analytics ---------------------------------------------------------------------------------
@router.get("/summary", response=SummaryOut)
def analytics_summary(request, query: Query[SummaryQuery]):
    """The headline figures for a scope (a unit's subtree; by default all the caller may read) and a
    period (`from`..`to`, local days, both included; by default this month up to today). Each figure
    is defined in dudao/facts/figures.py; rates are percentages with one decimal, null when
    there is nothing to measure. A fixed number of queries whatever the data size."""
    actor = actor_of(request)
    scope = analytics_scope(actor, scope_unit_for(actor, query.scope_unit_id))
    period = period_from(query.date_from, query.date_to)
    figures = summary(scope, period)
    return {
        **figures,
        "scope_unit_id": scope.unit.pk if scope.unit is not None else None,
        "period": {"start": period.start, "end": period.end},
    }


@router.get("/before-after", response=BeforeAfterOut, by_alias=True)
def analytics_before_after(request, query: Query[BeforeAfterQuery]):
    """A unit's (or region's) figures in the `days` before `pivot` and from it on (DESIGN.md 2.15),
    each as dudao/facts/figures.py defines it, with after - before (null when a side has no data),
    and the pivots offered for the unit (findings closed, new managers, training sessions). 404
    when the unit is outside the caller's analytics scope."""
    actor = actor_of(request)
    unit = scope_unit_for(actor, query.unit_id)
    scope = analytics_scope(actor, unit)
    pivots = pivots_for(unit)
    pivot = query.pivot
    if pivot is None:
        if not pivots:
            raise validation_error("pivot", _("请选择比较日期(此机构没有可选的事件)"))
        pivot = pivots[0]["date"]
    result = before_after(scope, pivot, query.days, timezone.localdate())
    return {**result, "unit_id": unit.pk, "unit_name": unit.name, "pivots": pivots}


# --- evaluations -------------------------------------------------------------------------------
@evaluations_router.post("/run", response=RunOut)
def evaluation_run(request, payload: RunIn):
    """Evaluate every site of the caller's organisation for `month` (YYYY-MM); re-running replaces
    that month's results. Admins and ops managers."""
    actor = actor_of(request)
    if not can_run_evaluation(actor):
        _not_found()
    month = parse_month(payload.month)
    organization = Organization.objects.get(pk=actor.organization_id)
    return services.evaluation_run(actor=actor, organization=organization, month=month)


@evaluations_router.get("", response=list[EvaluationOut])
@paginate(Pagination)
def evaluation_list(request, query: Query[EvaluationQuery]):
    """Unit evaluations of `month` (default: the latest evaluated month) the caller may see, by rank."""
    actor = actor_of(request)
    month = parse_month(query.month) if query.month else selectors.latest_month(actor)
    if month is None or not can_view_analytics(actor):
        return UnitEvaluation.objects.none()
    rows = selectors.evaluations(actor, month)
    if query.key_target is not None:
        rows = rows.filter(key_target=query.key_target)
    return rows


@evaluations_router.get("/review-cases", response=list[ReviewCaseOut])
@paginate(Pagination)
def review_case_list(request, query: Query[ReviewCaseQuery]):
    """Manager review cases the caller may see (superior line, HR, ops, admin), newest first."""
    actor = actor_of(request)
    if not can_view_review_cases(actor):
        return ReviewCase.objects.none()
    return selectors.review_cases(actor, query.status or "")


@evaluations_router.get("/review-cases/{case_id}", response=ReviewCaseOut)
def review_case_get(request, case_id: int):
    actor = actor_of(request)
    return get_for_actor(selectors.review_cases(actor), actor, case_id)


@evaluations_router.post("/review-cases/{case_id}/start", response=ReviewCaseOut)
def review_case_start(request, case_id: int):
    """The superior or HR takes the case up: open -> in_review."""
    actor = actor_of(request)
    case = get_for_actor(selectors.review_cases(actor), actor, case_id, action="decide")
    services.review_case_start(actor=actor, case=case)
    return get_for_actor(selectors.review_cases(actor), actor, case_id)


@evaluations_router.post("/review-cases/{case_id}/decide", response=ReviewCaseOut)
def review_case_decide(request, case_id: int, payload: DecideIn):
    """Decide the review: demote, dismiss, retain or other (notes required for other); final."""
    actor = actor_of(request)
    case = get_for_actor(selectors.review_cases(actor), actor, case_id, action="decide")
    services.review_case_decide(actor=actor, case=case, decision=payload.decision, notes=payload.notes)
    return get_for_actor(selectors.review_cases(actor), actor, case_id)


@evaluations_router.get("/{evaluation_id}", response=EvaluationOut)
def evaluation_get(request, evaluation_id: int):
    actor = actor_of(request)
    return get_for_actor(UnitEvaluation.objects.select_related("unit"), actor, evaluation_id)
