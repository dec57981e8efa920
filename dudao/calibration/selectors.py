"""What a person's calibration request is about: their scope and the period asked for."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.access import NotFoundInScope
from dudao.core.errors import validation_error
from dudao.core.periods import Period
from dudao.facts.scope import Scope
from dudao.org.choices import Role
from dudao.policies.registry import policy_for

from .models import ORGANISATION_READERS
from .permissions import can_view_calibration

MAX_PERIOD_DAYS = 3 * 366


def calibration_scope(actor) -> Scope:
    """The organisation for an admin or ops manager, a region manager's regions; 404 for the rest."""
    if not can_view_calibration(actor):
        raise NotFoundInScope("CalibrationPair")
    if actor.has_role(*ORGANISATION_READERS):
        return Scope.organisation(actor.organization_id)
    return Scope(actor.organization_id, tuple(actor.scope_paths(frozenset({Role.REGION_MANAGER}))))


def calibration_period(organization_id: int, start: dt.date | None, end: dt.date | None,
                       today: dt.date | None = None) -> Period:
    """The period asked for; by default the policy's window (`calibration.window_days`) up to today.
    A reversed or too long period is refused naming the field."""
    today = today or timezone.localdate()
    end = end or (today if start is None or start <= today else start)
    if start is None:
        days = policy_for(organization_id, on=end).calibration.window_days
        start = end - dt.timedelta(days=days - 1)
    if start > end:
        raise validation_error("from", _("开始日期不能晚于结束日期"))
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise validation_error("to", _("统计区间不能超过三年"))
    return Period(start, end)
