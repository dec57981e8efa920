"""Periodic jobs: one registry read by huey's scheduler and by `dudao_tick --now`.

A job is a function `job(now) -> dict` registered with a schedule (a huey crontab) and a slot
function naming the period a run covers. A run for a slot that already ran is skipped, so a
scheduler firing twice, or a tick replayed by hand, changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from huey import crontab

logger = logging.getLogger(__name__)


def hourly_slot(now: dt.datetime) -> str:
    return timezone.localtime(now).strftime("%Y-%m-%dT%H")


def daily_slot(now: dt.datetime) -> str:
    return timezone.localtime(now).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable[[dt.datetime], dict | None]
    schedule: Callable
    slot: Callable[[dt.datetime], str]


REGISTRY: dict[str, PeriodicJob] = {}


def periodic_job(name: str, *, schedule: Callable, slot: Callable[[dt.datetime], str] = hourly_slot):
    """Register `func(now)` as a periodic job; huey runs it on `schedule`, dudao_tick on demand."""

    def register(func):
        REGISTRY[name] = PeriodicJob(name, func, schedule, slot)
        return func

    return register


def run_job(job: PeriodicJob, now: dt.datetime) -> dict | None:
    """Run one job for the slot `now` falls in, unless that slot has run already."""
    from .models import JobRun

    slot = job.slot(now)
    try:
        with transaction.atomic():
            run = JobRun.objects.create(job=job.name, slot=slot, started_at=timezone.now())
    except IntegrityError:
        logger.info("job %s slot %s already ran", job.name, slot)
        return None
    result = job.func(now) or {}
    run.finished_at = timezone.now()
    run.result = result
    run.save(update_fields=["finished_at", "result"])
    return result


def run_all(now: dt.datetime) -> dict[str, dict | None]:
    return {name: run_job(job, now) for name, job in sorted(REGISTRY.items())}


def install_huey_schedule() -> None:
    """Give every registered job a huey periodic task (dudao/core/tasks.py, which huey imports)."""
    from huey.contrib.djhuey import db_periodic_task

    installed = scheduled_task_names()
    for job in REGISTRY.values():
        name = f"periodic:{job.name}"
        if name in installed:
            continue

        def run(job=job):
            return run_job(job, timezone.now())

        db_periodic_task(job.schedule, name=name)(run)


def scheduled_task_names() -> set[str]:
    from huey.contrib.djhuey import HUEY

    return {task.name for task in HUEY._registry.periodic_tasks}


@periodic_job("purge_expired_credentials", schedule=crontab(minute="7"), slot=hourly_slot)
def purge_expired_credentials(now: dt.datetime) -> dict:
    """Delete sessions past their expiry and API tokens that expired more than a day ago."""
    from django.apps import apps
    from django.contrib.sessions.models import Session

    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    ApiToken = apps.get_model("org", "ApiToken")
    tokens, _ = ApiToken.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    return {"sessions": sessions, "tokens": tokens}


@periodic_job("anchor_audit_chain", schedule=crontab(minute="17"), slot=hourly_slot)
def anchor_audit_chain(now: dt.datetime) -> dict:
    """Write a signed anchor of the audit chain head outside the database (see `audit_anchors`)."""
    from .audit_anchors import write_anchors

    written = write_anchors(at=now)
    return {"seq": written["seq"], "anchors": written["anchors"]}
