"""Bulletin periods (编发周期): weekly (Monday to Sunday), semi-monthly (1st-15th, 16th-end), monthly."""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils import timezone

from dudao.policies.choices import BulletinPeriod


def period_containing(day: dt.date, kind: str) -> tuple[dt.date, dt.date]:
    """The first and last day of the `kind` period that `day` falls in."""
    if kind == BulletinPeriod.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    last = calendar.monthrange(day.year, day.month)[1]
    if kind == BulletinPeriod.SEMI_MONTHLY:
        if day.day <= 15:
            return day.replace(day=1), day.replace(day=15)
        return day.replace(day=16), day.replace(day=last)
    if kind == BulletinPeriod.MONTHLY:
        return day.replace(day=1), day.replace(day=last)
    raise ValueError(f"unknown bulletin period: {kind}")


def period_before(day: dt.date, kind: str) -> tuple[dt.date, dt.date]:
    """The last `kind` period that ended before `day` (the one just ended on a period boundary)."""
    start, _ = period_containing(day, kind)
    return period_containing(start - dt.timedelta(days=1), kind)


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Aware datetimes from the start of `start` to the start of the day after `end` (local time)."""
    tz = timezone.get_current_timezone()
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time()), tz)
    finish = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()), tz)
    return begin, finish
