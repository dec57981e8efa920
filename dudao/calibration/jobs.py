"""Periodic work on calibration: newly submitted inspections are drawn and scheduled, submitted
second inspections complete their pairs, and pairs past their due date expire."""

from __future__ import annotations

import dataclasses
import datetime as dt

from huey import crontab

from dudao.core.jobs import hourly_slot, periodic_job

from .services import calibration_sync


@periodic_job("calibration_sync", schedule=crontab(minute="35"), slot=hourly_slot)
def sync_calibration(now: dt.datetime) -> dict:
    """Hourly; a run repeated for any window changes nothing."""
    return dataclasses.asdict(calibration_sync(now=now))
