"""Scoped reads of evaluations and manager review cases."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Prefetch

from dudao.org.models import Person

from .models import EvaluationRun, ReviewCase, UnitEvaluation

HISTORY_MONTHS = 12


def evaluation_months(actor) -> list[dt.date]:
    """Months evaluated in the actor's organisation, latest first."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    return list(
        EvaluationRun.objects.filter(organization_id=actor.organization_id).order_by("-month").values_list(
            "month", flat=True
        )
    )


def evaluation_run_of(actor, month: dt.date) -> EvaluationRun | None:
    return EvaluationRun.objects.filter(organization_id=actor.organization_id, month=month).select_related(
        "run_by"
    ).first()


def latest_month(actor) -> dt.date | None:
    months = evaluation_months(actor)
    return months[0] if months else None


def evaluations(actor, month: dt.date | None, *, key_targets_only: bool = False):
    """The unit evaluations of `month` the actor may see, best rank first (units without a score last)."""
    rows = (
        UnitEvaluation.objects.visible_to(actor).filter(month=month)
        .select_related("unit", "region")
        .order_by(F("rank").asc(nulls_last=True), "unit__path")
    )
    if key_targets_only:
        rows = rows.filter(key_target=True)
    return rows


def review_cases(actor, status: str = ""):
    """Manager review cases the actor may see; a manager never sees the case about themselves."""
    cases = (
        ReviewCase.objects.visible_to(actor)
        .exclude(manager_id=getattr(actor, "pk", None))
        .select_related("unit", "manager", "superior", "decided_by")
        .prefetch_related(Prefetch("hr_assignees", queryset=Person.objects.order_by("display_name")))
        .order_by("-opened_at", "-id")
    )
    if status:
        cases = cases.filter(status=status)
    return cases


def unit_history(case: ReviewCase) -> list[UnitEvaluation]:
    """The unit's evaluations up to the case's month, latest first (what led to the review)."""
    return list(
        UnitEvaluation.objects.filter(unit_id=case.unit_id, month__lte=case.month).order_by("-month")[:HISTORY_MONTHS]
    )
