"""Periodic work of the approval engine: reminding approvers of steps past their deadline."""

from __future__ import annotations

import datetime as dt

from huey import crontab

from dudao.core.jobs import hourly_slot, periodic_job


@periodic_job("approval_overdue_reminders", schedule=crontab(minute="20"), slot=hourly_slot)
def approval_overdue_reminders(now: dt.datetime) -> dict:
    """Every hour: each step past its deadline reminds its approvers once."""
    from .services import approval_steps_remind_overdue

    return {"reminded_steps": approval_steps_remind_overdue(now=now)}
