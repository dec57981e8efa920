"""Calendar periods of plans: the week, month, quarter, half-year and year a day falls in, and their
runs (the arithmetic itself lives in `dudao.core.periods`)."""

from __future__ import annotations

import datetime as dt

from dudao.core import periods
from dudao.policies.choices import Period

from .choices import PlanKind

ONE_DAY = periods.ONE_DAY


def window_of(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period of kind `period` containing `day`: ISO week (Monday-Sunday), calendar month,
    quarter, half-year (January-June, July-December) or year (core.periods holds the arithmetic)."""
    if period not in Period.values:
        raise ValueError(f"unknown period: {period}")
    return periods.window_of(period, day)


def windows_overlapping(period: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Every period of kind `period` that overlaps [start, end], in order."""
    if period not in Period.values:
        raise ValueError(f"unknown period: {period}")
    return periods.windows_overlapping(period, start, end)


PLAN_KIND_PERIOD = {
    PlanKind.WEEK: Period.WEEK,
    PlanKind.MONTH: Period.MONTH,
    PlanKind.QUARTER: Period.QUARTER,
    PlanKind.YEAR: Period.YEAR,
}


def plan_period(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The natural period of a plan of `kind` containing `day` (a week plan runs Monday to Sunday)."""
    return window_of(PLAN_KIND_PERIOD[PlanKind(kind)], day)


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
