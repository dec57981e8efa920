"""Which scope and period a person's analytics request is about.

Periods are `dudao.core.periods.Period` and scopes `dudao.facts.scope.Scope` (re-exported here);
this module decides which of them a request may read: one unit's subtree when the person picks
a unit, otherwise everything the person may read analytics of (the whole organisation for
admins and executives, else the union of their subtrees).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.access import NotFoundInScope
from dudao.core.errors import validation_error
from dudao.core.periods import Period, add_months, month_end, month_period, month_start, parse_month
from dudao.core.scoping import EVERYWHERE
from dudao.facts.scope import Scope
from dudao.org.models import Unit

from .models import ANALYTICS_READERS
from .permissions import can_view_analytics, can_view_analytics_of

MAX_PERIOD_DAYS = 3 * 366


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


__all__ = [
    "Period", "Scope", "add_months", "analytics_scope", "month_end", "month_period", "month_start", "parse_month",
    "period_from", "scope_unit_for",
]
