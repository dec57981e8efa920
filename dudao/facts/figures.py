"""Every business figure, defined once (DESIGN.md 2.15): the dashboard, the analytics API, bulletins,
reports and the monthly evaluation all call these functions.

Each figure is about a scope of units (`scope.Scope`) and a period of local calendar days
(`dudao.core.periods.Period`); a record belongs to the scope through its unit (the inspected unit,
the finding's responsible unit, the visited unit). Percentages, scores and day counts are
Decimals rounded half-up to one decimal (`round1`); a figure with nothing to measure is None
("no data"), never 0.

The rules, one line each:

inspections that count (`counted_inspections`)
    Inspections submitted or acknowledged (drafts never count) whose local `performed_at` falls
    in the period, calibration inspections left out (`Inspection.calibration`: a blind second
    inspection assesses the inspectors, not the unit). Whatever counts inspections outside this
    module filters with `inspections.models.COUNTED` too.
average score (`inspection_figures`, `inspections_by_unit`)
    The mean `score` of the inspections that count and have a score.
findings raised (`findings_raised`, `finding_figures`)
    Findings whose `created_at` falls in the period, counted per severity.
repeat rate (`finding_figures`)
    The percentage of the findings raised that are marked repeat.
on-time closure rate, 按时整改率 (`on_time_closure`, `on_time_figures`, `on_time_by_unit`)
    Of the findings due in the period (`due_date` in it) that are decided as of the day the figure
    is computed (closed, or already past due: due date before that day), the percentage closed on
    time: closed, with the local date of `closed_at` on or before `due_date`. A finding due later
    and still open is not judged yet. Reports drafted from one inspection apply the same rule to
    that inspection's findings.
median closure days (`median_closure_days`)
    The median of `closed_at - created_at`, in days, over findings whose `closed_at` falls in the
    period (the middle value, or the mean of the two middle values).
plan completion (`plan_completion`, `coverage_figures`, `visits_by_unit`)
    Visits of published plans dated in the period, cancelled ones left out, are planned; those
    with status done are done (a visit becomes done only when its inspection is submitted);
    completion = done / planned in percent. A calibration visit (one outside its plan's scope:
    only calibration schedules those, planning refuses them) is no visit of the unit; it counts
    only as its supervisor's assignment (`assigned_visits`, `visits_by_supervisor`).
coverage (`coverage_figures`)
    Active sites (store, branch, plant) in scope, and of them the sites with at least one
    inspection that counts; unit_rate = inspected / sites in percent.
weighted score (`weighted_score`)
    Σ weight × value / Σ weight over the parts that have data; a part with no data is left out and
    the other weights are rescaled, never counted as 0 (the monthly evaluation, the appraisal).
most failed items (`most_failed_items`)
    The checklist items (one lineage and code across template versions) failed in the inspections
    that count at the most units, then by the most failed answers.

The grouped variants (`*_by_unit`) give the same figures per unit in one query each, whatever the
number of units: rankings and evaluations read those.
"""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, Max, Q, Sum
from django.utils import timezone

from dudao.core.periods import Period
from dudao.findings.models import Finding
from dudao.inspections.models import COUNTED, Answer, Inspection
from dudao.org.choices import LEAF_KINDS
from dudao.org.models import Unit
from dudao.planning.choices import PlanStatus, VisitStatus
from dudao.planning.models import Visit
from dudao.policies.choices import Severity

from .scope import Scope

ONE_DECIMAL = Decimal("0.1")
SECONDS_PER_DAY = Decimal(86400)

# A visit of a unit its plan covers: every visit but a calibration's (planning refuses the others).
WITHIN_PLAN_SCOPE = Q(unit__path__startswith=F("plan__scope_unit__path"))

# A finding closed on or before its due date (the local date of closing counts).
CLOSED_ON_TIME = Q(closed_at__isnull=False, closed_at__date__lte=F("due_date"))


# --- rounding and ranks -------------------------------------------------------------------------
def round1(value) -> Decimal | None:
    """One decimal, half up; None stays None."""
    return None if value is None else Decimal(str(value)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent, one decimal; None when `whole` is 0."""
    if not whole:
        return None
    return round1(Decimal(part) * 100 / Decimal(whole))


def mean(total, count: int) -> Decimal | None:
    """`total / count` unrounded (None when count is 0); `total` may come back as a float from SQLite."""
    if not count or total is None:
        return None
    return Decimal(str(total)) / Decimal(count)


def average(total, count: int) -> Decimal | None:
    """`total / count` to one decimal, None when there is nothing to average."""
    return round1(mean(total, count))


def weighted_score(parts) -> tuple[Decimal | None, Decimal]:
    """The weighted score of parts that may have no data (monthly evaluation, appraisal):
    Σ weight × value / Σ weight over the parts whose value is not None, one decimal half up, so the
    weights of the parts without data are shared out among the others. `parts` is (value, weight)
    pairs; returns (score, weight with data); the score is None when no part has data."""
    present = [(Decimal(str(value)), Decimal(str(weight))) for value, weight in parts if value is not None]
    weights = sum((weight for _, weight in present), Decimal(0))
    if not present or not weights:
        return None, Decimal(0)
    return round1(sum((value * weight for value, weight in present), Decimal(0)) / weights), weights


def competition_ranks(scores: dict) -> dict:
    """Rank keys by score, highest first; equal scores share a rank and the next one skips (1, 1, 3).
    Keys whose score is None are not ranked."""
    ordered = sorted((s for s in scores.values() if s is not None), reverse=True)
    first_position: dict = {}
    for position, score in enumerate(ordered, start=1):
        first_position.setdefault(score, position)
    return {key: first_position[score] for key, score in scores.items() if score is not None}


# --- the counts each rule is made of, for any grouping (by unit, month, supervisor) ------------
def inspection_counts() -> dict:
    """count, scored, total: the average score is total / scored."""
    return {"count": Count("id"), "scored": Count("score"), "total": Sum("score")}


def finding_counts() -> dict:
    """count, repeats: the repeat rate is repeats / count."""
    return {"count": Count("id"), "repeats": Count("id", filter=Q(repeat=True))}


def on_time_counts() -> dict:
    """due, on_time over decided findings: the on-time closure rate is on_time / due."""
    return {"due": Count("id"), "on_time": Count("id", filter=CLOSED_ON_TIME)}


# An inspection that passed (beside `inspection_counts`: the figures that report passes).
PASSED = Count("id", filter=Q(passed=True))


def visit_counts() -> dict:
    """planned, done over planned visits: plan completion is done / planned."""
    return {"planned": Count("id"), "done": Count("id", filter=Q(status=VisitStatus.DONE))}


# --- the record sets every figure counts ------------------------------------------------------
def counted_inspections(scope: Scope, period: Period):
    """Inspections that count: submitted or acknowledged, not calibration, local `performed_at` in
    the period."""
    return Inspection.objects.filter(
        scope.condition(), COUNTED,
        performed_at__gte=period.start_at, performed_at__lt=period.end_before,
    )


def findings_raised(scope: Scope, period: Period):
    """Findings raised: `created_at` in the period."""
    return Finding.objects.filter(scope.condition(), created_at__gte=period.start_at, created_at__lt=period.end_before)


def findings_due(scope: Scope, period: Period):
    return Finding.objects.filter(scope.condition(), due_date__gte=period.start, due_date__lte=period.end)


def decided(findings, today: dt.date):
    """Of `findings`, those whose timeliness is known as of `today`: closed, or past due."""
    return findings.filter(Q(closed_at__isnull=False) | Q(due_date__lt=today))


def findings_due_decided(scope: Scope, period: Period, today: dt.date):
    """Findings due in the period whose timeliness is known as of `today`: closed, or past due."""
    return decided(findings_due(scope, period), today)


def findings_closed(scope: Scope, period: Period):
    return Finding.objects.filter(scope.condition(), closed_at__gte=period.start_at, closed_at__lt=period.end_before)


def assigned_visits(scope: Scope, period: Period):
    """Visits of published plans dated in the period, cancelled ones left out: the supervisors'
    assignments, calibration visits included."""
    return Visit.objects.filter(
        scope.condition(), date__gte=period.start, date__lte=period.end, plan__status=PlanStatus.PUBLISHED,
    ).exclude(status=VisitStatus.CANCELLED)


def planned_visits(scope: Scope, period: Period):
    """The visits of the units: `assigned_visits` within their plan's scope (a calibration visit,
    the only kind outside it, is not a visit of the unit)."""
    return assigned_visits(scope, period).filter(WITHIN_PLAN_SCOPE)


def sites(scope: Scope):
    """Active sites (store, branch, plant) in scope."""
    return Unit.objects.filter(scope.units_condition(), kind__in=LEAF_KINDS, is_active=True)


# --- inspections and average score ------------------------------------------------------------
def inspection_result(row: dict) -> dict:
    """The inspection figures from their counts (count, scored, total, passed)."""
    return {
        "inspections": row["count"],
        "scored": row["scored"],
        "passed": row["passed"],
        "average_score": average(row["total"], row["scored"]),
    }


def inspection_figures(scope: Scope, period: Period) -> dict:
    """Inspections that count, how many passed and were scored, their average score and the
    number of units they cover (one query)."""
    row = counted_inspections(scope, period).aggregate(
        **inspection_counts(), units=Count("unit_id", distinct=True), passed=PASSED,
    )
    return {**inspection_result(row), "units_inspected": row["units"]}


def inspections_by_unit(scope: Scope, period: Period) -> dict[int, dict]:
    """`inspection_figures` per unit (one grouped query): {unit_id: {inspections, scored, total,
    passed, average_score}}; units without an inspection that counts are absent ("no data")."""
    rows = counted_inspections(scope, period).values("unit_id").annotate(
        **inspection_counts(), passed=PASSED,
    ).order_by()
    return {
        row["unit_id"]: {"inspections": row["count"], "scored": row["scored"], "passed": row["passed"],
                         "total": row["total"], "average_score": average(row["total"], row["scored"])}
        for row in rows
    }


# --- findings raised and repeat rate ----------------------------------------------------------
def finding_result(by_severity: dict, repeats: int) -> dict:
    """The findings figures from the counts per severity and of repeats: by severity (critical
    first, zeros included), their number and the repeat rate."""
    counts = dict.fromkeys(Severity.values, 0)
    for severity, count in by_severity.items():
        counts[severity] = counts.get(severity, 0) + count
    total = sum(counts.values())
    ordered = {severity: counts[severity] for severity in reversed(Severity.values)}
    ordered.update({key: value for key, value in counts.items() if key not in ordered})
    return {"findings_by_severity": ordered, "findings": total, "repeats": repeats,
            "repeat_rate": percent(repeats, total)}


def finding_figures(scope: Scope, period: Period) -> dict:
    """Findings raised in the period by severity (critical first, zeros included), their number
    and the repeat rate (one query)."""
    by_severity: dict = {}
    repeats = 0
    rows = findings_raised(scope, period).values("severity").annotate(**finding_counts()).order_by()
    for row in rows:
        by_severity[row["severity"]] = by_severity.get(row["severity"], 0) + row["count"]
        repeats += row["repeats"]
    return finding_result(by_severity, repeats)


# --- on-time closure (按时整改率) ----------------------------------------------------------------
def on_time_closure(findings, today: dt.date) -> dict:
    """The on-time closure rule over any set of findings (one query): of those decided as of
    `today` (closed, or past due), the percentage closed on or before their due date (local date
    of closing). {findings_due, findings_on_time, on_time_closure_rate}; the rate is None when
    nothing is decided."""
    return on_time_result(decided(findings, today).aggregate(**on_time_counts()))


def on_time_result(row: dict) -> dict:
    """The on-time closure figures from their counts (due, on_time)."""
    return {"findings_due": row["due"], "findings_on_time": row["on_time"],
            "on_time_closure_rate": percent(row["on_time"], row["due"])}


def on_time_figures(scope: Scope, period: Period, today: dt.date) -> dict:
    """The on-time closure rate of the findings due in the period, as of `today`."""
    return on_time_closure(findings_due(scope, period), today)


def on_time_by_unit(scope: Scope, period: Period, today: dt.date) -> dict[int, dict]:
    """`on_time_figures` per responsible unit (one grouped query)."""
    rows = findings_due_decided(scope, period, today).values("unit_id").annotate(**on_time_counts()).order_by()
    return {
        row["unit_id"]: {"findings_due": row["due"], "findings_on_time": row["on_time"],
                         "on_time_closure_rate": percent(row["on_time"], row["due"])}
        for row in rows
    }


# --- median closure days ----------------------------------------------------------------------
class _MedianDuration(Aggregate):
    """PostgreSQL's continuous median of an interval expression."""

    function = "PERCENTILE_CONT"
    name = "MedianDuration"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def median_closure_days(findings) -> Decimal | None:
    """The median of `closed_at - created_at` in days over `findings` (closed ones), one decimal."""
    if connection.vendor == "postgresql":
        duration = (
            findings.aggregate(median=_MedianDuration(F("closed_at") - F("created_at"), output_field=DurationField()))
        )["median"]
        if duration is None:
            return None
        seconds = Decimal(str(duration.total_seconds()))
    else:
        # SQLite (the small embedded deployment) has no percentile aggregate: the pairs come back.
        pairs = list(findings.values_list("created_at", "closed_at"))
        if not pairs:
            return None
        seconds = Decimal(str(statistics.median((closed - created).total_seconds() for created, closed in pairs)))
    return round1(seconds / SECONDS_PER_DAY)


def median_closure(scope: Scope, period: Period) -> Decimal | None:
    """Median closure days of the findings closed in the period."""
    return median_closure_days(findings_closed(scope, period))


# --- plan completion and coverage -------------------------------------------------------------
def plan_completion(visits) -> dict:
    """Of `visits` (cancelled ones left out), how many are planned and done, and done / planned in
    percent (one query). A visit is done only once its inspection is submitted."""
    return plan_completion_result(visits.exclude(status=VisitStatus.CANCELLED).aggregate(**visit_counts()))


def plan_completion_result(row: dict) -> dict:
    """Plan completion from its counts (planned, done)."""
    return {"visits_planned": row["planned"], "visits_done": row["done"],
            "visit_rate": percent(row["done"], row["planned"])}


def visits_by_unit(scope: Scope, period: Period) -> dict[int, dict]:
    """`plan_completion` per visited unit (one grouped query)."""
    rows = planned_visits(scope, period).values("unit_id").annotate(**visit_counts()).order_by()
    return {
        row["unit_id"]: {"visits_planned": row["planned"], "visits_done": row["done"],
                         "visit_rate": percent(row["done"], row["planned"])}
        for row in rows
    }


def visits_by_supervisor(scope: Scope, period: Period) -> dict[int, dict]:
    """`plan_completion` per assigned supervisor (one grouped query): a supervisor's own planned
    visits and how many are done, the appraisal's coverage KPI."""
    rows = assigned_visits(scope, period).values("supervisor_id").annotate(**visit_counts()).order_by()
    return {
        row["supervisor_id"]: {"visits_planned": row["planned"], "visits_done": row["done"],
                               "visit_rate": percent(row["done"], row["planned"])}
        for row in rows
    }


def coverage_figures(scope: Scope, period: Period, units_inspected: int) -> dict:
    """Plan completion over the scope and period, and the share of sites inspected (two queries);
    `units_inspected` comes from `inspection_figures`."""
    return coverage_result(scope, planned_visits(scope, period).aggregate(**visit_counts()), units_inspected)


def coverage_result(scope: Scope, visits: dict, units_inspected: int) -> dict:
    """Coverage from the visit counts (planned, done) and the units inspected; counts the sites (one query)."""
    units = sites(scope).count()
    return {
        **plan_completion_result(visits),
        "units": units,
        "units_inspected": units_inspected,
        "unit_rate": percent(units_inspected, units),
    }


# --- most failed items (common problems) -------------------------------------------------------
def most_failed_items(inspections, limit: int) -> list[dict]:
    """The items failed at the most units in `inspections` (a queryset of inspections that count),
    then by the most failed answers; an item is its lineage and code across template versions."""
    rows = (
        Answer.objects.filter(inspection__in=inspections.values("id"), is_current=True, failed=True)
        .values("item__template__lineage", "item__code")
        .annotate(count=Count("inspection__unit_id", distinct=True), failures=Count("id"), text=Max("item__text"))
        .order_by("-count", "-failures", "item__code")[:limit]
    )
    return [
        {"item_code": row["item__code"], "text": row["text"], "count": row["count"], "failures": row["failures"]}
        for row in rows
    ]


# --- the summary -------------------------------------------------------------------------------
def summary(scope: Scope, period: Period, *, today: dt.date | None = None) -> dict:
    """The headline figures of a scope and period: `GET /api/v1/analytics/summary`, the dashboard,
    and the numbers a bulletin and a period report show. Whole months come from the monthly
    rollups (`rollups.py`), the rest from the records; identical to `summary_live`, in a fixed
    number of queries whatever the number of units and months."""
    from . import rollups

    today = today or timezone.localdate()
    return rollups.summary(scope, period, today) or summary_live(scope, period, today=today)


def summary_live(scope: Scope, period: Period, *, today: dt.date | None = None) -> dict:
    """`summary` computed from the records alone (six queries whatever the data)."""
    today = today or timezone.localdate()
    inspections = inspection_figures(scope, period)
    return summary_from(
        inspections=inspections,
        findings=finding_figures(scope, period),
        on_time=on_time_figures(scope, period, today),
        median=median_closure(scope, period),
        coverage=coverage_figures(scope, period, inspections["units_inspected"]),
    )


def summary_from(*, inspections: dict, findings: dict, on_time: dict, median, coverage: dict) -> dict:
    """The summary's shape from its parts."""
    return {
        "inspections": inspections["inspections"],
        "average_score": inspections["average_score"],
        "findings_by_severity": findings["findings_by_severity"],
        "on_time_closure_rate": on_time["on_time_closure_rate"],
        "median_closure_days": median,
        "repeat_rate": findings["repeat_rate"],
        "coverage": coverage,
        # Beside the contract's figures: the counts the rates are made of.
        "findings": findings["findings"],
        "findings_due": on_time["findings_due"],
        "findings_on_time": on_time["findings_on_time"],
    }
