"""Periodic work of analytics: the monthly evaluation on the 1st, for the month just ended."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey import crontab

from dudao.core.jobs import periodic_job

from .services import evaluations_run_monthly


def monthly_slot(now: dt.datetime) -> str:
    """The calendar month `now` falls in (local time): one run per month."""
    return timezone.localtime(now).strftime("%Y-%m")


@periodic_job("evaluation_monthly", schedule=crontab(minute="30", hour="2", day="1"), slot=monthly_slot)
def evaluate_last_month(now: dt.datetime) -> dict:
    """On the 1st: evaluate the previous month for every organisation (re-running replaces it)."""
    return evaluations_run_monthly(now=now)
