"""Periodic work on meetings: overdue actions are chased daily, and a period that ended without an
operations meeting is pointed out to the operations manager."""

from __future__ import annotations

import datetime as dt

from huey import crontab

from dudao.core.jobs import daily_slot, periodic_job

from .services import meeting_actions_remind, meetings_missing_remind


@periodic_job("meetings_remind", schedule=crontab(hour="8", minute="15"), slot=daily_slot)
def remind_meetings(now: dt.datetime) -> dict:
    """Daily: each open action past its due date reminds its owner and organiser (once a day); a
    meeting period ended with no meeting over the organisation reminds the operations manager once."""
    return {"overdue_actions": meeting_actions_remind(now=now), "missing_meetings": meetings_missing_remind(now=now)}
