"""The analytics figures (DESIGN.md 2.15, `GET /api/v1/analytics/summary`), each defined once.

Every figure is about a scope of units (scope.py) and a period of local calendar days
[start, end]; a record belongs to the scope through its unit (the inspected unit, the finding's
responsible unit, the visited unit). Percentages and day counts are Decimals rounded half-up to
one decimal; a figure with nothing to measure is null, never 0.

inspections
    Inspections with status submitted or acknowledged (drafts never count) whose `performed_at`
    falls in the period.
average_score
    The mean `score` of those inspections (the ones that have a score).
findings_by_severity
    Findings whose `created_at` falls in the period, counted per severity; every severity is
    present, zeros included.
on_time_closure_rate
    Of the findings whose `due_date` falls in the period and that are decided as of today (closed,
    or already past due: due date before today), the percentage closed on time: closed, with the
    local date of `closed_at` on or before `due_date`. A finding due later this month and still
    open is not judged yet. The monthly evaluation's on-time rectification rate is the same figure
    for one unit and one month.
median_closure_days
    The median of `closed_at - created_at`, in days, over findings whose `closed_at` falls in the
    period (the middle value, or the mean of the two middle values).
repeat_rate
    The percentage of the findings counted in findings_by_severity that are marked repeat.
coverage
    ``visits_planned``: visits of published plans dated in the period, cancelled ones left out;
    ``visits_done``: those of them done; ``visit_rate``: done / planned in percent.
    ``units``: active sites (store, branch, plant) in scope; ``units_inspected``: sites with at least
    one inspection counted in `inspections`; ``unit_rate``: units_inspected / units in percent.

`summary` costs a fixed number of queries (six) whatever the size of the data or the scope.
"""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, Q, Sum
from django.utils import timezone

from dudao.findings.models import Finding
from dudao.inspections.choices import InspectionStatus
from dudao.inspections.models import Inspection
from dudao.org.choices import LEAF_KINDS
from dudao.org.models import Unit
from dudao.planning.choices import PlanStatus, VisitStatus
from dudao.planning.models import Visit
from dudao.policies.choices import Severity

from .scope import Period, Scope

DONE_INSPECTIONS = (InspectionStatus.SUBMITTED, InspectionStatus.ACKNOWLEDGED)
ONE_DECIMAL = Decimal("0.1")
SECONDS_PER_DAY = Decimal(86400)

# A finding closed on or before its due date (the local date of closing counts).
CLOSED_ON_TIME = Q(closed_at__isnull=False, closed_at__date__lte=F("due_date"))


def round1(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent, one decimal; None when `whole` is 0."""
    if not whole:
        return None
    return round1(Decimal(part) * 100 / Decimal(whole))


def mean(total, count: int) -> Decimal | None:
    """`total / count` unrounded (None when count is 0); `total` may come back as a float from SQLite."""
    if not count:
        return None
    return Decimal(str(total)) / Decimal(count)


# --- the record sets every figure counts ------------------------------------------------------
def done_inspections(scope: Scope, period: Period):
    return Inspection.objects.filter(
        scope.condition(), status__in=DONE_INSPECTIONS,
        performed_at__gte=period.start_at, performed_at__lt=period.end_before,
    )


def findings_created(scope: Scope, period: Period):
    return Finding.objects.filter(scope.condition(), created_at__gte=period.start_at, created_at__lt=period.end_before)


def findings_due_decided(scope: Scope, period: Period, today: dt.date):
    """Findings due in the period whose timeliness is known as of `today`: closed, or past due."""
    return Finding.objects.filter(scope.condition(), due_date__gte=period.start, due_date__lte=period.end).filter(
        Q(closed_at__isnull=False) | Q(due_date__lt=today)
    )


def findings_closed(scope: Scope, period: Period):
    return Finding.objects.filter(scope.condition(), closed_at__gte=period.start_at, closed_at__lt=period.end_before)


def planned_visits(scope: Scope, period: Period):
    return Visit.objects.filter(
        scope.condition(), date__gte=period.start, date__lte=period.end, plan__status=PlanStatus.PUBLISHED,
    ).exclude(status=VisitStatus.CANCELLED)


def sites(scope: Scope):
    return Unit.objects.filter(scope.units_condition(), kind__in=LEAF_KINDS, is_active=True)


# --- median closure ----------------------------------------------------------------------------
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


# --- the summary -------------------------------------------------------------------------------
def inspection_figures(scope: Scope, period: Period) -> dict:
    row = done_inspections(scope, period).aggregate(
        count=Count("id"), scored=Count("score"), total=Sum("score"), units=Count("unit_id", distinct=True)
    )
    return {
        "inspections": row["count"],
        "average_score": round1(mean(row["total"], row["scored"])),
        "units_inspected": row["units"],
    }


def finding_figures(scope: Scope, period: Period) -> dict:
    by_severity = dict.fromkeys(Severity.values, 0)
    repeats = 0
    rows = findings_created(scope, period).values("severity").annotate(
        count=Count("id"), repeats=Count("id", filter=Q(repeat=True))
    ).order_by()
    for row in rows:
        by_severity[row["severity"]] = by_severity.get(row["severity"], 0) + row["count"]
        repeats += row["repeats"]
    total = sum(by_severity.values())
    ordered = {severity: by_severity[severity] for severity in reversed(Severity.values)}
    ordered.update({key: value for key, value in by_severity.items() if key not in ordered})
    return {"findings_by_severity": ordered, "findings": total, "repeat_rate": percent(repeats, total)}


def on_time_figures(scope: Scope, period: Period, today: dt.date) -> dict:
    row = findings_due_decided(scope, period, today).aggregate(
        due=Count("id"), on_time=Count("id", filter=CLOSED_ON_TIME)
    )
    return {"findings_due": row["due"], "findings_on_time": row["on_time"],
            "on_time_closure_rate": percent(row["on_time"], row["due"])}


def coverage_figures(scope: Scope, period: Period, units_inspected: int) -> dict:
    visits = planned_visits(scope, period).aggregate(
        planned=Count("id"), done=Count("id", filter=Q(status=VisitStatus.DONE))
    )
    units = sites(scope).count()
    return {
        "visits_planned": visits["planned"],
        "visits_done": visits["done"],
        "visit_rate": percent(visits["done"], visits["planned"]),
        "units": units,
        "units_inspected": units_inspected,
        "unit_rate": percent(units_inspected, units),
    }


def summary(scope: Scope, period: Period, *, today: dt.date | None = None) -> dict:
    """The figures of `GET /api/v1/analytics/summary` (defined in this module's docstring)."""
    today = today or timezone.localdate()
    inspections = inspection_figures(scope, period)
    findings = finding_figures(scope, period)
    on_time = on_time_figures(scope, period, today)
    return {
        "inspections": inspections["inspections"],
        "average_score": inspections["average_score"],
        "findings_by_severity": findings["findings_by_severity"],
        "on_time_closure_rate": on_time["on_time_closure_rate"],
        "median_closure_days": median_closure_days(findings_closed(scope, period)),
        "repeat_rate": findings["repeat_rate"],
        "coverage": coverage_figures(scope, period, inspections["units_inspected"]),
        # Beside the contract's figures: the counts the rates are made of.
        "findings": findings["findings"],
        "findings_due": on_time["findings_due"],
        "findings_on_time": on_time["findings_on_time"],
    }
