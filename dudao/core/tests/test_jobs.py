"""Periodic jobs: dudao_tick runs every job as of a time; a slot that ran is not run again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command

from dudao.core.jobs import REGISTRY
from dudao.core.models import JobRun


def test_tick_runs_every_registered_job_as_of_the_given_time(db, capsys):
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.update(expire_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    call_command("dudao_tick", "--now", "2026-03-01T10:30:00+08:00")
    out = capsys.readouterr().out
    assert "purge_expired_credentials: {'sessions': 1" in out
    assert Session.objects.count() == 0
    assert set(JobRun.objects.values_list("job", flat=True)) == set(REGISTRY)
    assert JobRun.objects.get(job="purge_expired_credentials").slot == "2026-03-01T10"


def test_tick_for_a_slot_that_ran_changes_nothing(db, capsys):
    call_command("dudao_tick", "--now", "2026-03-01T10:30:00+08:00")
    call_command("dudao_tick", "--now", "2026-03-01T10:59:00+08:00")
    assert "skipped" in capsys.readouterr().out
    assert JobRun.objects.filter(job="purge_expired_credentials").count() == 1
    call_command("dudao_tick", "--now", "2026-03-01T11:00:00+08:00")
    assert JobRun.objects.filter(job="purge_expired_credentials").count() == 2


def test_tick_refuses_a_bad_time(db):
    with pytest.raises(CommandError, match="--now"):
        call_command("dudao_tick", "--now", "yesterday")


def test_tick_refuses_an_unknown_job(db):
    with pytest.raises(CommandError, match="nope"):
        call_command("dudao_tick", "--job", "nope")


def test_huey_schedule_has_every_job():
    import dudao.core.tasks  # noqa: F401  (what the consumer imports)
    from dudao.core.jobs import scheduled_task_names

    assert {f"periodic:{name}" for name in REGISTRY} <= scheduled_task_names()
