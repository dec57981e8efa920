"""When a recurring visit schedule falls due, and which days are working days. Pure: no queries.

Occurrences are the dates a schedule names (see `VisitSchedule` for each frequency); a day of the
month past the month's end means the month's last day (the 31st is 30 April, 28 or 29 February).

Working days: Monday to Friday, except the organisation's holidays; a weekend day marked as a
make-up working day (调休上班) is a working day. An occurrence that falls on a non-working day, or
on a day the supervisor is full, moves forward to the next working day with room, never past the
end of the occurrence's own period (its week for weekly and every-N-weeks schedules, its month for
monthly ones, its quarter for quarterly ones) nor past the schedule's end; otherwise it is not placed.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Mapping

from dudao.core import periods

from .choices import ScheduleFrequency

ONE_DAY = dt.timedelta(days=1)

FREQUENCY_PERIOD = {
    ScheduleFrequency.WEEKLY: "week",
    ScheduleFrequency.EVERY_N_WEEKS: "week",
    ScheduleFrequency.MONTHLY: "month",
    ScheduleFrequency.QUARTERLY: "quarter",
}


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _clamped(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    """The `nth` `weekday` of the month (nth -1: the last one)."""
    if nth == -1:
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        return last - dt.timedelta(days=(last.weekday() - weekday) % 7)
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _months(start: dt.date, end: dt.date):
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def occurrences(schedule, start: dt.date, end: dt.date) -> list[dt.date]:
    """The dates `schedule` names within [start, end] and within its own [starts_on, ends_on]."""
    start = max(start, schedule.starts_on)
    if schedule.ends_on is not None:
        end = min(end, schedule.ends_on)
    if end < start:
        return []
    frequency = schedule.frequency
    days: list[dt.date] = []
    if frequency in (ScheduleFrequency.WEEKLY, ScheduleFrequency.EVERY_N_WEEKS):
        first = start + dt.timedelta(days=(schedule.weekday - start.weekday()) % 7)
        anchor = _monday(schedule.anchor_on or schedule.starts_on)
        step = schedule.interval_weeks if frequency == ScheduleFrequency.EVERY_N_WEEKS else 1
        day = first
        while day <= end:
            weeks = (_monday(day) - anchor).days // 7
            if weeks >= 0 and weeks % step == 0:
                days.append(day)
            day += dt.timedelta(weeks=1)
    elif frequency == ScheduleFrequency.MONTHLY:
        for year, month in _months(start, end):
            if schedule.week_of_month:
                days.append(nth_weekday(year, month, schedule.weekday, schedule.week_of_month))
            else:
                days.append(_clamped(year, month, schedule.day_of_month))
    elif frequency == ScheduleFrequency.QUARTERLY:
        for year, month in _months(start, end):
            if (month - 1) % 3 == schedule.month_of_quarter - 1:
                days.append(_clamped(year, month, schedule.day_of_month))
    return [d for d in days if start <= d <= end]


def is_working_day(day: dt.date, holidays: Mapping[dt.date, bool]) -> bool:
    """`holidays` maps a calendar day to its `workday` flag (True: make-up working day)."""
    if day in holidays:
        return holidays[day]
    return day.weekday() < 5


def period_end(schedule, occurrence: dt.date) -> dt.date:
    """The last day an occurrence may move to: the end of its period, or the schedule's end."""
    end = periods.window_of(FREQUENCY_PERIOD[ScheduleFrequency(schedule.frequency)], occurrence)[1]
    return min(end, schedule.ends_on) if schedule.ends_on is not None else end


def place(occurrence: dt.date, last: dt.date, holidays: Mapping[dt.date, bool],
          has_room: Callable[[dt.date], bool]) -> dt.date | None:
    """The first working day from `occurrence` to `last` where `has_room`, or None (not placed)."""
    day = occurrence
    while day <= last:
        if is_working_day(day, holidays) and has_room(day):
            return day
        day += ONE_DAY
    return None
