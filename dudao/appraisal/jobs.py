"""Periodic work of appraisal (registered with dudao.core.jobs; huey and dudao_tick run it)."""

from __future__ import annotations

import datetime as dt

from huey import crontab

from dudao.core.jobs import daily_slot, periodic_job


@periodic_job("appraisal_cycles_due", schedule=crontab(minute="50", hour="8"), slot=daily_slot)
def appraisal_cycles_due(now: dt.datetime) -> dict:
    """Every morning: the creator of each open cycle due within two days or overdue is reminded."""
    from .results import cycles_remind_due

    return {"reminded_cycles": cycles_remind_due(now=now)}
