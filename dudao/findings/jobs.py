"""Periodic work on findings: deadline reminders, overdue notices and the escalation ladder."""

from __future__ import annotations

import datetime as dt

from huey import crontab

from dudao.core.jobs import hourly_slot, periodic_job

from .services import findings_escalate


@periodic_job("findings_escalate", schedule=crontab(minute="5"), slot=hourly_slot)
def escalate_findings(now: dt.datetime) -> dict:
    """Hourly: due-soon reminders, overdue notices, and each escalation level reached (once each)."""
    return findings_escalate(now=now)
