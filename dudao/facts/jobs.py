"""Periodic work of the figures: the monthly rollups' repair, hourly."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey import crontab

from dudao.core.jobs import hourly_slot, periodic_job

from .rollups import repair


@periodic_job("rollups_repair", schedule=crontab(minute="20"), slot=hourly_slot)
def repair_rollups(now: dt.datetime) -> dict:
    """Recompute the last two months of every organisation's rollups: a writer that bypassed the
    services (a bulk load, a hand edit) is caught up within the hour."""
    return repair(today=timezone.localdate(now))
