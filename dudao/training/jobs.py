"""Periodic work on training: a reminder, once per survey period, to run the needs survey."""

from __future__ import annotations

import datetime as dt

from huey import crontab

from dudao.core.jobs import daily_slot, periodic_job

from .services import survey_reminders_send


@periodic_job("training_survey_reminders", schedule=crontab(minute="40", hour="9"), slot=daily_slot)
def remind_missing_surveys(now: dt.datetime) -> dict:
    """Daily: an organisation whose current period (the policy's `needs_survey_period`) has no
    needs survey reminds the operations manager and the department, once per period."""
    return {"reminded": survey_reminders_send(now=now)}
