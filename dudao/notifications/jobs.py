"""Periodic jobs of the notifications app (registered with dudao.core.jobs; dudao_tick runs them)."""

from __future__ import annotations

import datetime as dt

from huey import crontab

from dudao.core.jobs import hourly_slot, periodic_job

from . import delivery


# Hourly, not daily: each organisation chooses its own digest hour, so every hour is some
# organisation's; a daily slot would be used up by the first hour of the day. Each notification
# is digested once (`digested_at`), so a repeated run sends nothing new.
@periodic_job("notifications_daily_digest", schedule=crontab(minute="0"), slot=hourly_slot)
def notifications_daily_digest(now: dt.datetime) -> dict:
    """Send the daily digest mail to everyone who chose it, in organisations whose digest hour it is."""
    return delivery.send_daily_digests(now)
