"""The monthly composite score (运营管理质量综合评估, DESIGN.md 2.9): one rule, computed here.

For each active site (store, branch, plant) and one calendar month:

inspection_average
    The mean `score` of the unit's inspections submitted or acknowledged and performed in the
    month (`performed_at`, local time). No data when it had no scored inspection.
on_time_rectification
    Of the unit's findings due in the month (`due_date`) and decided as of the run (closed, or past
    due), the percentage closed on or before their due date. No data when none was due.
coverage
    Of the visits planned at the unit in the month (published plans, not cancelled), the
    percentage done. No data when none was planned.

score = Σ weight × value / Σ weight over the policy's components that have data (so the weights of
the others are shared out in proportion), exact until rounded half-up to one decimal at the end.
A unit with no data for any component gets no score: it is listed, not ranked, and neither passes
nor fails. `passed` = score >= the policy's pass mark.

Ranks are competition ranks by score, highest first: equal scores share a rank and the next
rank skips (1, 1, 3). `rank` is over the organisation, `region_rank` within the unit's region
(the nearest ancestor of kind region, or the parent unit when there is none).
`consecutive_failures` is 1 + the previous month's count when the unit fails, else 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum

from dudao.org.choices import LEAF_KINDS, UnitKind
from dudao.org.models import Unit
from dudao.planning.choices import VisitStatus
from dudao.policies.choices import EvaluationComponent

from .metrics import (
    CLOSED_ON_TIME,
    done_inspections,
    findings_due_decided,
    mean,
    percent,
    planned_visits,
    round1,
)
from .scope import Period, Scope

TWO_DECIMALS = Decimal("0.01")


@dataclass
class UnitResult:
    """One unit's figures and score for the month, before it is stored."""

    unit_id: int
    path: str
    region_id: int | None
    inspection_count: int = 0
    inspection_total: Decimal | None = None
    inspection_scored: int = 0
    findings_due: int = 0
    findings_on_time: int = 0
    visits_planned: int = 0
    visits_done: int = 0
    components: list[dict] = field(default_factory=list)
    score: Decimal | None = None
    passed: bool | None = None
    rank: int | None = None
    region_rank: int | None = None
    consecutive_failures: int = 0

    @property
    def inspection_average(self) -> Decimal | None:
        return mean(self.inspection_total, self.inspection_scored)

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.findings_on_time, self.findings_due)

    @property
    def coverage_rate(self) -> Decimal | None:
        return percent(self.visits_done, self.visits_planned)

    def component_value(self, component: str) -> Decimal | None:
        """The exact (unrounded) value of a component, or None when it has no data this month."""
        if component == EvaluationComponent.INSPECTION_AVERAGE:
            return self.inspection_average
        if component == EvaluationComponent.ON_TIME_RECTIFICATION:
            return Decimal(self.findings_on_time * 100) / self.findings_due if self.findings_due else None
        if component == EvaluationComponent.COVERAGE:
            return Decimal(self.visits_done * 100) / self.visits_planned if self.visits_planned else None
        raise ValueError(f"unknown evaluation component {component!r}")


def composite(result: UnitResult, policy) -> None:
    """Set `components`, `score` and `passed` from the policy's weighted components with data."""
    present = []
    for part in policy.components:
        value = result.component_value(part.component)
        if value is not None:
            present.append((str(part.component), value, Decimal(part.weight)))
    weights = sum((weight for _, _, weight in present), Decimal(0))
    if not present or not weights:
        result.components, result.score, result.passed = [], None, None
        return
    result.components = [
        {"component": component, "value": str(as_round2(value)), "weight": str(weight),
         "applied_weight": str((weight / weights).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))}
        for component, value, weight in present
    ]
    result.score = round1(sum((value * weight for _, value, weight in present), Decimal(0)) / weights)
    result.passed = result.score >= Decimal(policy.pass_mark)


def competition_ranks(scores: dict[int, Decimal]) -> dict[int, int]:
    """Rank keys by score, highest first; equal scores share a rank and the next one skips."""
    ordered = sorted(scores.values(), reverse=True)
    first_position: dict[Decimal, int] = {}
    for position, score in enumerate(ordered, start=1):
        first_position.setdefault(score, position)
    return {key: first_position[score] for key, score in scores.items()}


def rank(results: list[UnitResult]) -> None:
    """Set `rank` over all scored results and `region_rank` within each region."""
    scored = {r.unit_id: r.score for r in results if r.score is not None}
    overall = competition_ranks(scored)
    by_region: dict[int | None, dict[int, Decimal]] = {}
    for r in results:
        if r.score is not None:
            by_region.setdefault(r.region_id, {})[r.unit_id] = r.score
    regional: dict[int, int] = {}
    for group in by_region.values():
        regional.update(competition_ranks(group))
    for r in results:
        r.rank = overall.get(r.unit_id)
        r.region_rank = regional.get(r.unit_id)


def site_units(organization_id: int) -> list[UnitResult]:
    """Every active site of the organisation with the group it is ranked in (two queries)."""
    regions = set(
        Unit.objects.filter(organization_id=organization_id, kind=UnitKind.REGION).values_list("id", flat=True)
    )
    results = []
    rows = Unit.objects.filter(organization_id=organization_id, kind__in=LEAF_KINDS, is_active=True).values_list(
        "id", "path", "parent_id"
    ).order_by("path")
    for unit_id, path, parent_id in rows:
        ancestors = [int(part) for part in path.strip("/").split("/") if part][:-1]
        region_id = next((a for a in reversed(ancestors) if a in regions), parent_id)
        results.append(UnitResult(unit_id=unit_id, path=path, region_id=region_id))
    return results


def gather(organization_id: int, results: list[UnitResult], period: Period, today: dt.date) -> None:
    """Fill each result's figures for the period: three grouped queries whatever the unit count.

    The record sets are the dashboard's own (metrics.py) over the whole organisation, so an
    evaluation and the dashboard count the same inspections, findings and visits."""
    by_unit = {r.unit_id: r for r in results}
    scope = Scope(organization_id, None)
    inspections = done_inspections(scope, period).values("unit_id").annotate(
        count=Count("id"), scored=Count("score"), total=Sum("score")
    ).order_by()
    for row in inspections:
        if (r := by_unit.get(row["unit_id"])) is not None:
            r.inspection_count, r.inspection_scored, r.inspection_total = row["count"], row["scored"], row["total"]
    findings = findings_due_decided(scope, period, today).values("unit_id").annotate(
        due=Count("id"), on_time=Count("id", filter=CLOSED_ON_TIME)
    ).order_by()
    for row in findings:
        if (r := by_unit.get(row["unit_id"])) is not None:
            r.findings_due, r.findings_on_time = row["due"], row["on_time"]
    visits = planned_visits(scope, period).values("unit_id").annotate(
        planned=Count("id"), done=Count("id", filter=Q(status=VisitStatus.DONE))
    ).order_by()
    for row in visits:
        if (r := by_unit.get(row["unit_id"])) is not None:
            r.visits_planned, r.visits_done = row["planned"], row["done"]


def as_round2(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(TWO_DECIMALS, rounding=ROUND_HALF_UP)


__all__ = [
    "UnitResult", "as_round2", "competition_ranks", "composite", "gather", "rank", "round1", "site_units",
]
