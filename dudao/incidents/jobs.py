"""Periodic work on incidents: complaints and inquiries past their answer deadline are escalated."""

from __future__ import annotations

import datetime as dt

from huey import crontab

from dudao.core.jobs import hourly_slot, periodic_job

from .services import incidents_escalate


@periodic_job("incidents_escalate", schedule=crontab(minute="20"), slot=hourly_slot)
def escalate_incidents(now: dt.datetime) -> dict:
    """Hourly: each unanswered complaint or inquiry past its deadline is escalated once."""
    return {"escalated": incidents_escalate(now=now)}
