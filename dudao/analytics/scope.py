"""What a figure is about: a period of local calendar days and a scope of units.

A scope is a set of unit subtrees within one organisation: one unit's subtree when the person
picks a unit, otherwise everything the person may read analytics of (the whole organisation for
admins and executives, else the union of their subtrees). Every figure filters by the unit of the
record it counts (the inspected unit, the finding's responsible unit, the visited unit).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.access import NotFoundInScope
from dudao.core.errors import validation_error
from dudao.core.scoping import EVERYWHERE, paths_filter
from dudao.org.models import Unit

from .models import ANALYTICS_READERS
from .permissions import can_view_analytics, can_view_analytics_of

MAX_PERIOD_DAYS = 3 * 366
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """Local calendar days from `start` to `end`, both included."""

    start: dt.date
    end: dt.date

    @property
    def start_at(self) -> dt.datetime:
        """The first instant of the period (local midnight of `start`)."""
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_before(self) -> dt.datetime:
        """The first instant after the period (local midnight of the day after `end`)."""
        return timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_period(month: dt.date) -> Period:
    return Period(month_start(month), month_end(month))


def parse_month(value: str | None, field: str = "month") -> dt.date:
    """"2026-01" -> date(2026, 1, 1); anything else is refused naming the field."""
    match = MONTH_PATTERN.match((value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise validation_error(field, _("月份格式应为 YYYY-MM"))
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def period_from(start: dt.date | None, end: dt.date | None, *, today: dt.date | None = None) -> Period:
    """The period asked for; by default this month up to today. A reversed or too long period is refused."""
    today = today or timezone.localdate()
    if start is None and end is None:
        return Period(month_start(today), today)
    if end is None:
        end = today if start <= today else start
    if start is None:
        start = month_start(end)
    if start > end:
        raise validation_error("from", _("开始日期不能晚于结束日期"))
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise validation_error("to", _("统计区间不能超过三年"))
    return Period(start, end)


@dataclass(frozen=True)
class Scope:
    """Unit subtrees of one organisation; `paths` None means the whole organisation."""

    organization_id: int
    paths: tuple[str, ...] | None
    unit: Unit | None = None

    def condition(self, unit_field: str = "unit") -> Q:
        """A filter keeping rows whose `unit_field` lies in the scope (organisation included)."""
        condition = Q(organization_id=self.organization_id)
        if self.paths is not None:
            condition &= paths_filter(f"{unit_field}__path", list(self.paths))
        return condition

    def units_condition(self) -> Q:
        """The same filter for Unit rows themselves."""
        condition = Q(organization_id=self.organization_id)
        if self.paths is not None:
            condition &= paths_filter("path", list(self.paths))
        return condition

    def contains(self, path: str) -> bool:
        return self.paths is None or any(path.startswith(prefix) for prefix in self.paths)


def analytics_scope(actor, unit: Unit | None = None) -> Scope:
    """The scope `actor` reads: `unit`'s subtree (404 unless within their analytics scope), or by
    default everything they may read."""
    if not can_view_analytics(actor):
        raise NotFoundInScope("Unit")
    paths = actor.scope_paths(ANALYTICS_READERS)
    if unit is not None:
        if not can_view_analytics_of(actor, unit):
            raise NotFoundInScope("Unit")
        if paths == EVERYWHERE and unit.parent_id is None:
            return Scope(actor.organization_id, None, unit)
        return Scope(actor.organization_id, (unit.path,), unit)
    if paths == EVERYWHERE:
        root = Unit.objects.filter(organization_id=actor.organization_id, parent__isnull=True).first()
        return Scope(actor.organization_id, None, root)
    if len(paths) == 1:
        only = Unit.objects.filter(organization_id=actor.organization_id, path=paths[0]).first()
        return Scope(actor.organization_id, tuple(paths), only)
    return Scope(actor.organization_id, tuple(paths), None)


def scope_unit_for(actor, unit_id) -> Unit | None:
    """The unit a request names as its scope (None when it names none); 404 when out of scope."""
    if unit_id in (None, ""):
        return None
    try:
        pk = int(unit_id)
    except (TypeError, ValueError):
        raise NotFoundInScope("Unit") from None
    unit = Unit.objects.filter(pk=pk, organization_id=getattr(actor, "organization_id", None)).first()
    if unit is None or not can_view_analytics_of(actor, unit):
        raise NotFoundInScope("Unit")
    return unit
