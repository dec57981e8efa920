"""Local calendar periods, defined once: the day, week, half-month, month, quarter, half-year and
year a day falls in, their bounds as aware instants, and whether a period has ended.

Pure calendar arithmetic (no app knows more than this about time spans): planning sizes plans
with it, `dudao.facts` counts figures over it, reporting and analytics name their periods with it.
Kinds are the plain strings of `policies.choices.Period` ("week", "month", "quarter",
"half_year", "year") and of `policies.choices.BulletinPeriod` ("weekly", "semi_monthly",
"monthly"), plus "day"; core imports neither.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import validation_error

ONE_DAY = dt.timedelta(days=1)
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """Local calendar days from `start` to `end`, both included.

    `start_at` is local midnight of `start`, `end_before` local midnight of the day after `end`:
    a moment belongs to the period when start_at <= moment < end_before."""

    start: dt.date
    end: dt.date

    @property
    def start_at(self) -> dt.datetime:
        """The first instant of the period (local midnight of `start`)."""
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_before(self) -> dt.datetime:
        """The first instant after the period (local midnight of the day after `end`)."""
        return timezone.make_aware(dt.datetime.combine(self.end + ONE_DAY, dt.time.min))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def has_ended(self, as_of: dt.date) -> bool:
        """Whether the period is over on the local day `as_of` (its last day is before `as_of`).
        A period that has not ended gives provisional figures."""
        return self.end < as_of


# --- months ------------------------------------------------------------------------------------
def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_period(month: dt.date) -> Period:
    """The calendar month `month` falls in."""
    return Period(month_start(month), month_end(month))


def last_complete_month(today: dt.date) -> dt.date:
    """The first day of the last month that has ended as of `today` (the month before today's)."""
    return add_months(today, -1)


def parse_month(value: str | None, field: str = "month") -> dt.date:
    """"2026-01" -> date(2026, 1, 1); anything else is refused naming the field."""
    match = MONTH_PATTERN.match((value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise validation_error(field, _("月份格式应为 YYYY-MM"))
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})|-([QqHh])(\d))?$")


def parse_period(value: str | None, field: str = "period") -> Period:
    """A named appraisal period: "2026-01" (month), "2026-Q1" (quarter), "2026-H1" (half-year) or
    "2026" (year) -> its Period; anything else is refused naming the field."""
    text = (value or "").strip().upper()
    match = PERIOD_PATTERN.match(text)
    if match and int(match.group(1)) >= 2000:
        year = int(match.group(1))
        month, letter, number = match.group(2), match.group(3), match.group(4)
        if month is not None and 1 <= int(month) <= 12:
            return period_of("month", dt.date(year, int(month), 1))
        if letter == "Q" and 1 <= int(number) <= 4:
            return period_of("quarter", dt.date(year, 3 * int(number) - 2, 1))
        if letter == "H" and int(number) in (1, 2):
            return period_of("half_year", dt.date(year, 6 * int(number) - 5, 1))
        if month is None and letter is None:
            return period_of("year", dt.date(year, 1, 1))
    raise validation_error(field, _("期间格式应为 YYYY-MM、YYYY-Qn、YYYY-Hn 或 YYYY"))


def normalise_period(value: str | None, field: str = "period") -> str:
    """The canonical text of a period ("2026-q1" -> "2026-Q1"), refused like `parse_period`."""
    parse_period(value, field)
    return (value or "").strip().upper()


# --- the period of a kind containing a day -------------------------------------------------------
def window_of(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the period of `kind` containing `day`: the day itself, the ISO
    week (Monday-Sunday), the half-month (1st-15th, 16th-end), the calendar month, the quarter,
    the half-year (January-June, July-December) or the year."""
    if kind == "day":
        return day, day
    if kind in ("week", "weekly"):
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    if kind == "semi_monthly":
        if day.day <= 15:
            return day.replace(day=1), day.replace(day=15)
        return day.replace(day=16), month_end(day)
    if kind in ("month", "monthly"):
        return month_start(day), month_end(day)
    if kind == "quarter":
        first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return first, month_end(add_months(first, 2))
    if kind == "half_year":
        first = dt.date(day.year, 1 if day.month <= 6 else 7, 1)
        return first, month_end(add_months(first, 5))
    if kind == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    raise ValueError(f"unknown period: {kind}")


def period_of(kind: str, day: dt.date) -> Period:
    """`window_of` as a Period."""
    return Period(*window_of(kind, day))


def window_before(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The last period of `kind` that ended before `day` (the one just ended on a period boundary)."""
    start, _end = window_of(kind, day)
    return window_of(kind, start - ONE_DAY)


def windows_overlapping(kind: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Every period of `kind` that overlaps [start, end], in order."""
    windows = []
    day = start
    while day <= end:
        window = window_of(kind, day)
        windows.append(window)
        day = window[1] + ONE_DAY
    return windows


def bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Aware instants from local midnight of `start` to local midnight of the day after `end`."""
    period = Period(start, end)
    return period.start_at, period.end_before
