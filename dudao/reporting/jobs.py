"""Periodic work on bulletins: compiling each period's bulletin, reminding units that have not read one."""

from __future__ import annotations

import datetime as dt

from huey import crontab

from dudao.core.jobs import daily_slot, periodic_job


@periodic_job("bulletins_compile", schedule=crontab(minute="10", hour="1"), slot=daily_slot)
def bulletins_compile(now: dt.datetime) -> dict:
    """Daily at 01:10: the bulletin of the policy period just ended, for each organisation (once)."""
    from .services import bulletins_compile_scheduled

    return bulletins_compile_scheduled(now=now)


@periodic_job("bulletins_remind_unread", schedule=crontab(minute="40", hour="9"), slot=daily_slot)
def bulletins_remind_unread(now: dt.datetime) -> dict:
    """Daily at 09:40: remind the managers of units that have not read a bulletin after the policy's days."""
    from .services import bulletins_remind_unread as remind

    return remind(now=now)
