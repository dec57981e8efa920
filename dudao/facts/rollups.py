"""Monthly rollups of the summary's figures: kept current, rebuilt, read.

Kept current: a save of a counted record is seen by `receivers.py`; what a save cannot show
(bulk writes, a due date left behind, a unit moved) the services announce as "unit U, the month
of moment M" through `dudao.core.figure_changes`; either way `mark_changed` (registered in
FactsConfig.ready) writes a `RollupMark` in the changing transaction. Before a summary reads
whole months, `refresh` recomputes those months' marked (unit, month) rollups from the records
and removes the marks it handled, so a summary never reads a stale month.

Computed from the one definition: `recompute` groups the very record sets of `figures.py`
(`counted_inspections`, `findings_raised`, `findings_due_decided`, `findings_closed`,
`planned_visits`) by unit for one calendar month. Findings due in a month are judged as of the
day after it (then every one of them is decided); the summary reads those counts only for months
that have ended, and computes the others live.

Rebuilt: `rebuild` (command `dudao_rollups --rebuild`, the demo loader, bench/generate.py after
its bulk load) recomputes every month of an organisation; the periodic job `rollups_repair`
recomputes the last two months of every organisation, repairing whatever a writer that bypassed
the services left behind.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, Func, IntegerField, Q, Sum
from django.utils import timezone

from dudao.core.periods import ONE_DAY, Period, add_months, month_end, month_period
from dudao.findings.models import Finding
from dudao.inspections.models import Inspection
from dudao.org.models import Organization, Unit
from dudao.planning.models import Visit

from . import figures
from .models import (
    SEVERITY_FIELDS,
    ClosureCount,
    OrganizationClosureCount,
    OrganizationMonth,
    RollupMark,
    UnitMonth,
)
from .scope import Scope

COUNT_FIELDS = [
    "inspections", "scored", "score_total", "passed", *SEVERITY_FIELDS.values(), "repeats", "findings_due",
    "findings_on_time", "visits_planned", "visits_done",
]
REPAIR_MONTHS = 2
MICROSECOND = dt.timedelta(microseconds=1)
TENTH_OF_A_DAY = 8_640_000_000  # microseconds
HALF_TENTH = TENTH_OF_A_DAY // 2


def month_of(moment: dt.date | dt.datetime) -> dt.date:
    """The first day of the local calendar month `moment` falls in."""
    if isinstance(moment, dt.datetime):
        moment = timezone.localdate(moment)
    return moment.replace(day=1)


def closure_tenths(created_at: dt.datetime, closed_at: dt.datetime) -> int:
    """Closure time in tenths of a day, rounded exactly as `figures.median_closure_days` rounds."""
    # round1(seconds / 86400) in whole microseconds: half up, away from zero (Decimal's ROUND_HALF_UP).
    micros = (closed_at - created_at) // MICROSECOND
    if micros >= 0:
        return (micros + HALF_TENTH) // TENTH_OF_A_DAY
    return -((-micros + HALF_TENTH) // TENTH_OF_A_DAY)


class _Tenths(Func):
    """PostgreSQL: `closure_tenths` in SQL, exact (an interval's epoch is numeric; ROUND goes half away
    from zero), so a period's closures come back grouped, not one row each."""

    template = "ROUND(EXTRACT(EPOCH FROM (%(expressions)s)) / 8640)"
    output_field = IntegerField()


def live_closure_tenths(findings) -> Counter:
    """How many of `findings` (closed ones) took each closure time, in tenths of a day (one query)."""
    if connection.vendor == "postgresql":
        rows = findings.annotate(tenths=_Tenths(F("closed_at") - F("created_at"))).values("tenths").annotate(
            count=Count("id")).order_by().values_list("tenths", "count")
        return Counter({int(tenths): count for tenths, count in rows})
    return Counter(closure_tenths(created, closed) for created, closed in findings.values_list("created_at",
                                                                                             "closed_at"))


# --- marking ---------------------------------------------------------------------------------
def mark_changed(organization_id: int, changes: Iterable[tuple[int, dt.date | dt.datetime | None]]) -> None:
    """The `figure_changes` listener: one mark per (unit, month) changed, in the caller's transaction."""
    marks = {(unit_id, None if moment is None else month_of(moment)) for unit_id, moment in changes}
    if not marks:
        return
    RollupMark.objects.bulk_create([
        RollupMark(organization_id=organization_id, unit_id=unit_id, month=month)
        for unit_id, month in sorted(marks, key=lambda pair: (pair[0], pair[1] or dt.date.min))
    ])


def _every_month_of(organization_id: int, unit_ids: set[int]) -> dict[dt.date, set[int]]:
    """For units marked "every month" (moved in the tree): them and their subtrees, in every month
    they have visits or rollups (a move changes which visits lie within their plan's scope)."""
    paths = list(Unit.objects.filter(pk__in=unit_ids).values_list("path", flat=True))
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    units = set(Unit.objects.filter(condition, organization_id=organization_id).values_list("pk", flat=True))
    months = set(Visit.objects.filter(unit_id__in=units).dates("date", "month"))
    months |= set(UnitMonth.objects.filter(unit_id__in=units).values_list("month", flat=True))
    return dict.fromkeys(months, units)


def refresh(organization_id: int, months: tuple[dt.date, dt.date] | None = None) -> int:
    """Recompute every (unit, month) of the organisation marked changed (of the months `first`..`last`
    when given, plus every unit marked for all months) and remove those marks; returns how many
    marks were handled. Marks written meanwhile stay for the next refresh."""
    marks = RollupMark.objects.filter(organization_id=organization_id)
    if months is not None:
        marks = marks.filter(Q(month__gte=months[0], month__lte=months[1]) | Q(month__isnull=True))
    marks = list(marks.values_list("id", "unit_id", "month"))
    if not marks:
        return 0
    with transaction.atomic():
        by_month: dict[dt.date, set[int]] = defaultdict(set)
        everything = {unit_id for _, unit_id, month in marks if month is None}
        if everything:
            for month, units in _every_month_of(organization_id, everything).items():
                by_month[month] |= units
        for _, unit_id, month in marks:
            if month is not None:
                by_month[month].add(unit_id)
        for month in sorted(by_month):
            recompute(organization_id, month, by_month[month])
        RollupMark.objects.filter(pk__in=[pk for pk, _, _ in marks]).delete()
    return len(marks)


# --- recomputing -----------------------------------------------------------------------------
def recompute(organization_id: int, month: dt.date, unit_ids: set[int] | None = None) -> int:
    """Recompute one month's rollups of `unit_ids` (every unit when None) from the records, through
    the definitions in figures.py; returns the number of unit rows written."""
    period = month_period(month)
    scope = Scope.organisation(organization_id)

    def only(queryset):
        return queryset if unit_ids is None else queryset.filter(unit_id__in=unit_ids)

    rows: dict[int, dict] = defaultdict(dict)
    for row in only(figures.counted_inspections(scope, period)).values("unit_id").annotate(
        **figures.inspection_counts(), passed=figures.PASSED,
    ).order_by():
        rows[row["unit_id"]].update(inspections=row["count"], scored=row["scored"],
                                    score_total=row["total"] or 0, passed=row["passed"])
    for row in only(figures.findings_raised(scope, period)).values("unit_id", "severity").annotate(
        **figures.finding_counts()
    ).order_by():
        counts = rows[row["unit_id"]]
        field = SEVERITY_FIELDS[row["severity"]]
        counts[field] = counts.get(field, 0) + row["count"]
        counts["repeats"] = counts.get("repeats", 0) + row["repeats"]
    # Judged as of the day after the month: every finding due in it is decided by then.
    for row in only(figures.findings_due_decided(scope, period, period.end + ONE_DAY)).values("unit_id").annotate(
        **figures.on_time_counts()
    ).order_by():
        rows[row["unit_id"]].update(findings_due=row["due"], findings_on_time=row["on_time"])
    for row in only(figures.planned_visits(scope, period)).values("unit_id").annotate(
        **figures.visit_counts()
    ).order_by():
        rows[row["unit_id"]].update(visits_planned=row["planned"], visits_done=row["done"])
    closures: Counter = Counter()
    for unit_id, created_at, closed_at in only(figures.findings_closed(scope, period)).values_list(
        "unit_id", "created_at", "closed_at"
    ):
        closures[(unit_id, closure_tenths(created_at, closed_at))] += 1

    stale = UnitMonth.objects.filter(organization_id=organization_id, month=month)
    stale_closures = ClosureCount.objects.filter(organization_id=organization_id, month=month)
    if unit_ids is not None:
        stale, stale_closures = stale.filter(unit_id__in=unit_ids), stale_closures.filter(unit_id__in=unit_ids)
    stale.delete()
    stale_closures.delete()
    UnitMonth.objects.bulk_create(
        [UnitMonth(organization_id=organization_id, unit_id=unit_id, month=month, **counts)
         for unit_id, counts in sorted(rows.items())],
        batch_size=2000, update_conflicts=True, unique_fields=["unit", "month"], update_fields=COUNT_FIELDS,
    )
    ClosureCount.objects.bulk_create(
        [ClosureCount(organization_id=organization_id, unit_id=unit_id, month=month, tenths=tenths, count=count)
         for (unit_id, tenths), count in sorted(closures.items())],
        batch_size=2000, update_conflicts=True, unique_fields=["unit", "month", "tenths"], update_fields=["count"],
    )
    _organization_totals(organization_id, month)
    return len(rows)


def _organization_totals(organization_id: int, month: dt.date) -> None:
    """The organisation's counts and closure counts of the month: the sums of its units' (two
    queries, whatever the units)."""
    totals = UnitMonth.objects.filter(organization_id=organization_id, month=month).aggregate(
        units=Count("id"), **{f"sum_{field}": Sum(field) for field in COUNT_FIELDS})
    OrganizationMonth.objects.filter(organization_id=organization_id, month=month).delete()
    if totals["units"]:
        OrganizationMonth.objects.bulk_create(
            [OrganizationMonth(organization_id=organization_id, month=month,
                               **{field: totals[f"sum_{field}"] for field in COUNT_FIELDS})],
            update_conflicts=True, unique_fields=["organization", "month"], update_fields=COUNT_FIELDS,
        )
    OrganizationClosureCount.objects.filter(organization_id=organization_id, month=month).delete()
    OrganizationClosureCount.objects.bulk_create(
        [OrganizationClosureCount(organization_id=organization_id, month=month, tenths=tenths, count=count)
         for tenths, count in ClosureCount.objects.filter(organization_id=organization_id, month=month)
         .values("tenths").annotate(total=Sum("count")).order_by("tenths").values_list("tenths", "total")],
        update_conflicts=True, unique_fields=["organization", "month", "tenths"], update_fields=["count"],
    )


def months_with_records(organization_id: int) -> list[dt.date]:
    """Every month in which the organisation has an inspection, a finding (raised, due or closed)
    or a planned visit."""
    tz = timezone.get_current_timezone()
    months: set[dt.date] = set()
    inspections = Inspection.objects.filter(organization_id=organization_id)
    months |= {moment.date() for moment in inspections.datetimes("performed_at", "month", tzinfo=tz)}
    findings = Finding.objects.filter(organization_id=organization_id)
    months |= {moment.date() for moment in findings.datetimes("created_at", "month", tzinfo=tz)}
    months |= {moment.date() for moment in findings.datetimes("closed_at", "month", tzinfo=tz)}
    months |= set(findings.dates("due_date", "month"))
    months |= set(Visit.objects.filter(organization_id=organization_id).dates("date", "month"))
    return sorted(months)


@transaction.atomic
def rebuild(organization_id: int) -> dict:
    """Recompute every month of an organisation from its records (after a bulk load, or at will)."""
    marks = list(RollupMark.objects.filter(organization_id=organization_id).values_list("id", flat=True))
    UnitMonth.objects.filter(organization_id=organization_id).delete()
    ClosureCount.objects.filter(organization_id=organization_id).delete()
    OrganizationClosureCount.objects.filter(organization_id=organization_id).delete()
    OrganizationMonth.objects.filter(organization_id=organization_id).delete()
    months = months_with_records(organization_id)
    rows = sum(recompute(organization_id, month) for month in months)
    RollupMark.objects.filter(pk__in=marks).delete()
    return {"months": len(months), "rows": rows}


def repair(*, today: dt.date | None = None, months: int = REPAIR_MONTHS,
           organization_ids: Iterable[int] | None = None) -> dict:
    """Recompute the last `months` months (this one included) of every organisation (or those
    given), after its marks: whatever a writer bypassing the services changed there is repaired."""
    today = today or timezone.localdate()
    recent = [add_months(today, -back) for back in range(months)]
    result = {"organizations": 0, "marks": 0, "rows": 0}
    if organization_ids is None:
        organization_ids = Organization.objects.order_by("pk").values_list("pk", flat=True)
    for organization_id in organization_ids:
        result["marks"] += refresh(organization_id)
        with transaction.atomic():
            result["rows"] += sum(recompute(organization_id, month) for month in recent)
        result["organizations"] += 1
    return result


# --- reading ---------------------------------------------------------------------------------
def whole_months(period: Period) -> tuple[dt.date, dt.date] | None:
    """The first and last calendar month lying wholly inside the period, or None."""
    first = period.start if period.start.day == 1 else add_months(period.start, 1)
    last = add_months(period.end, -1) if month_end(period.end) != period.end else period.end.replace(day=1)
    return (first, last) if first <= last else None


def outside(period: Period, first: dt.date, last: dt.date) -> list[Period]:
    """The parts of `period` before month `first` and after month `last` (each may be absent)."""
    parts = []
    if period.start < first:
        parts.append(Period(period.start, first - ONE_DAY))
    if month_end(last) < period.end:
        parts.append(Period(month_end(last) + ONE_DAY, period.end))
    return parts


def _either(records, scope: Scope, parts: list[Period], *extra):
    """One queryset of `records(scope, part, *extra)` over every part (OR): one query, whatever the parts."""
    queryset = records(scope, parts[0], *extra)
    for part in parts[1:]:
        queryset = queryset | records(scope, part, *extra)
    return queryset


def median_tenths(counts: Counter) -> int | None:
    """The median closure time in tenths of a day from counts per tenth, when the counts decide
    it: an odd number, or the two middle values in the same tenth. None otherwise (or if empty)."""
    total = sum(counts.values())
    if not total:
        return None
    wanted = [total // 2] if total % 2 else [total // 2 - 1, total // 2]
    found, seen = [], 0
    for tenths in sorted(counts):
        upto = seen + counts[tenths]
        found += [tenths for index in wanted if seen <= index < upto]
        seen = upto
    return found[0] if len(set(found)) == 1 else None


def summary(scope: Scope, period: Period, today: dt.date) -> dict | None:
    """`figures.summary` read from the rollups for the whole months of the period (whole months
    that have ended, for the on-time closure rate) and from the records for the rest; None when
    the period holds no whole month (then it is all records). The marked (unit, month) rollups it
    reads are recomputed first."""
    months = whole_months(period)
    if months is None:
        return None
    refresh(scope.organization_id, months)  # only the months read from the rollups
    first, last = months
    ended = min(last, add_months(today, -1))  # on-time counts: months that ended before today
    live = outside(period, first, last)
    live_on_time = outside(period, first, ended) if first <= ended else [period]

    # The whole organisation's counts come summed per month; a part of it sums its units'.
    whole = scope.paths is None
    months_of = (OrganizationMonth.objects.filter(organization_id=scope.organization_id) if whole
                 else UnitMonth.objects.filter(scope.condition()))
    ended_only = {"findings_due", "findings_on_time"}
    totals = months_of.filter(month__gte=first, month__lte=last).aggregate(
        **{f"sum_{field}": Sum(field, filter=Q(month__lte=ended) if field in ended_only else None)
           for field in COUNT_FIELDS},
    )
    totals = {key.removeprefix("sum_"): value or 0 for key, value in totals.items()}
    inspected = UnitMonth.objects.filter(scope.condition(), month__gte=first, month__lte=last, inspections__gt=0)

    inspections = {"count": totals["inspections"], "scored": totals["scored"], "total": totals["score_total"],
                   "passed": totals["passed"]}
    by_severity = {severity: totals[field] for severity, field in SEVERITY_FIELDS.items()}
    repeats = totals["repeats"]
    visits = {"planned": totals["visits_planned"], "done": totals["visits_done"]}
    counts = (OrganizationClosureCount.objects.filter(organization_id=scope.organization_id) if whole
              else ClosureCount.objects.filter(scope.condition()))
    closures = Counter(dict(
        counts.filter(month__gte=first, month__lte=last).values("tenths").annotate(total=Sum("count")).order_by()
        .values_list("tenths", "total")
    ))
    if live:
        counted = _either(figures.counted_inspections, scope, live)
        row = counted.aggregate(**figures.inspection_counts(), passed=figures.PASSED)
        inspections = {"count": inspections["count"] + row["count"], "scored": inspections["scored"] + row["scored"],
                       "total": Decimal(str(inspections["total"])) + Decimal(str(row["total"] or 0)),
                       "passed": inspections["passed"] + row["passed"]}
        units_inspected = inspected.values("unit_id").order_by().union(counted.values("unit_id").order_by()).count()
        for row in _either(figures.findings_raised, scope, live).values("severity").annotate(
            **figures.finding_counts()
        ).order_by():
            by_severity[row["severity"]] = by_severity.get(row["severity"], 0) + row["count"]
            repeats += row["repeats"]
        row = _either(figures.planned_visits, scope, live).aggregate(**figures.visit_counts())
        visits = {"planned": visits["planned"] + row["planned"], "done": visits["done"] + row["done"]}
        closures.update(live_closure_tenths(_either(figures.findings_closed, scope, live)))
    else:
        units_inspected = inspected.values("unit_id").distinct().count()
    on_time = {"due": totals["findings_due"], "on_time": totals["findings_on_time"]}
    if live_on_time:
        row = figures.decided(_either(figures.findings_due, scope, live_on_time), today).aggregate(
            **figures.on_time_counts()
        )
        on_time = {"due": on_time["due"] + row["due"], "on_time": on_time["on_time"] + row["on_time"]}

    tenths = median_tenths(closures)
    if tenths is not None:
        median = figures.round1(Decimal(tenths) / 10)
    else:
        median = figures.median_closure(scope, period) if closures else None
    findings = figures.finding_result(by_severity, repeats)
    return figures.summary_from(
        inspections={**figures.inspection_result(inspections), "units_inspected": units_inspected},
        findings=findings,
        on_time=figures.on_time_result(on_time),
        median=median,
        coverage=figures.coverage_result(scope, visits, units_inspected),
    )
