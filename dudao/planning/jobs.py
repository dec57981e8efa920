"""Periodic work on plans: recurring schedules generate the coming visits every morning."""

from __future__ import annotations

import datetime as dt

from huey import crontab

from dudao.core.jobs import daily_slot, periodic_job

from .generation import schedules_generate


@periodic_job("plans_generate_visits", schedule=crontab(hour="5", minute="30"), slot=daily_slot)
def generate_scheduled_visits(now: dt.datetime) -> dict:
    """Daily: visits for the next two weeks from every active schedule (each occurrence once)."""
    return schedules_generate(now=now)
