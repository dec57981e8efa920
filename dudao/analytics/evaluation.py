"""The monthly composite score (运营管理质量综合评估, DESIGN.md 2.9): one rule, computed here.

For each active site (store, branch, plant) and one calendar month, each component is the unit's
figure as `dudao.facts.figures` defines it (the dashboard, bulletins and reports read the same):

inspection_average
    The unit's average score (inspections that count, `performed_at` in the month). No data when
    it had no scored inspection.
on_time_rectification
    The unit's on-time closure rate of findings due in the month, as of the run. No data when
    none was decided.
coverage
    The unit's plan completion (visits of published plans in the month done / planned). No data
    when none was planned.

score = Σ weight × value / Σ weight over the policy's components that have data (so the weights of
the others are shared out in proportion), exact until rounded half-up to one decimal at the end.
A unit with no data for any component gets no score: it is listed, not ranked, and neither passes
nor fails. `passed` = score >= the policy's pass mark.

Ranks are competition ranks by score, highest first: equal scores share a rank and the next
rank skips (1, 1, 3). `rank` is over the organisation, `region_rank` within the unit's region
(the nearest ancestor of kind region, or the parent unit when there is none).
`consecutive_failures` is 1 + the previous final month's count when the unit fails, else 0.

A month that has not ended as of the run is provisional (`Period.has_ended`): its figures are
shown, labelled provisional, but it marks no key target and opens no review case; the run after
the month has ended replaces it as final.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from dudao.core.periods import Period
from dudao.facts.figures import (
    competition_ranks,
    inspections_by_unit,
    mean,
    on_time_by_unit,
    percent,
    round1,
    sites,
    visits_by_unit,
    weighted_score,
)
from dudao.facts.scope import Scope
from dudao.org.selectors import Regions
from dudao.policies.choices import EvaluationComponent

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
    score, weights = weighted_score((value, weight) for _, value, weight in present)
    if score is None:
        result.components, result.score, result.passed = [], None, None
        return
    result.components = [
        {"component": component, "value": str(as_round2(value)), "weight": str(weight),
         "applied_weight": str((weight / weights).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))}
        for component, value, weight in present
    ]
    result.score = score
    result.passed = result.score >= Decimal(policy.pass_mark)


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
    regions = Regions(organization_id)
    rows = sites(Scope.organisation(organization_id)).values_list("id", "path").order_by("path")
    return [UnitResult(unit_id=unit_id, path=path, region_id=regions.group_id(path)) for unit_id, path in rows]


def gather(organization_id: int, results: list[UnitResult], period: Period, today: dt.date) -> None:
    """Fill each result's figures for the period: three grouped queries whatever the unit count.

    The figures are `dudao.facts.figures`' per-unit variants over the whole organisation, so an
    evaluation, the dashboard, bulletins and reports count the same inspections, findings and visits."""
    scope = Scope.organisation(organization_id)
    inspections = inspections_by_unit(scope, period)
    on_time = on_time_by_unit(scope, period, today)
    visits = visits_by_unit(scope, period)
    for r in results:
        if (row := inspections.get(r.unit_id)) is not None:
            r.inspection_count, r.inspection_scored, r.inspection_total = (
                row["inspections"], row["scored"], row["total"])
        if (row := on_time.get(r.unit_id)) is not None:
            r.findings_due, r.findings_on_time = row["findings_due"], row["findings_on_time"]
        if (row := visits.get(r.unit_id)) is not None:
            r.visits_planned, r.visits_done = row["visits_planned"], row["visits_done"]


def as_round2(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(TWO_DECIMALS, rounding=ROUND_HALF_UP)


__all__ = [
    "UnitResult", "as_round2", "competition_ranks", "composite", "gather", "rank", "round1", "site_units",
]
