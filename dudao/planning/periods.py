"""Calendar periods: the week, month, quarter, half-year and year a day falls in, and their runs."""

from __future__ import annotations

import datetime as dt

from dudao.policies.choices import Period

from .choices import PlanKind

ONE_DAY = dt.timedelta(days=1)


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - ONE_DAY


def window_of(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period of kind `period` containing `day`: ISO week (Monday-Sunday), calendar month,
    quarter, half-year (January-June, July-December) or year."""
    if period == Period.WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    if period == Period.MONTH:
        return day.replace(day=1), _month_end(day.year, day.month)
    if period == Period.QUARTER:
        first = 3 * ((day.month - 1) // 3) + 1
        return dt.date(day.year, first, 1), _month_end(day.year, first + 2)
    if period == Period.HALF_YEAR:
        first = 1 if day.month <= 6 else 7
        return dt.date(day.year, first, 1), _month_end(day.year, first + 5)
    if period == Period.YEAR:
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    raise ValueError(f"unknown period: {period}")


def windows_overlapping(period: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Every period of kind `period` that overlaps [start, end], in order."""
    windows = []
    day = start
    while day <= end:
        window = window_of(period, day)
        windows.append(window)
        day = window[1] + ONE_DAY
    return windows


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
