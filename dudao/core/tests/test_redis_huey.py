"""Huey on a real Redis: a redis-server of the test's own (`redis_url` fixture), a RedisHuey queue,
and a huey consumer running one of our periodic jobs (the audit anchor) end to end: the scheduler
finds it due at its minute, the task goes through Redis, a worker thread runs it against the
database, the result comes back through Redis."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid

from django.core.management import call_command
from django.db import connections

from dudao.core import jobs
from dudao.core.models import AuditChainHead, JobRun


def test_the_anchor_job_runs_through_redis_and_a_huey_consumer(transactional_db, redis_url, settings, tmp_path):
    import redis
    from huey import RedisHuey

    from dudao.org.testing import build_world

    settings.DUDAO_ANCHOR_DIR = str(tmp_path / "anchors")
    build_world()
    head = AuditChainHead.objects.get()
    huey = RedisHuey(f"dudao-test-{uuid.uuid4().hex[:8]}", url=redis_url, results=True)
    job = jobs.REGISTRY["anchor_audit_chain"]
    now = dt.datetime(2026, 12, 6, 3, 17, tzinfo=dt.UTC)

    @huey.periodic_task(job.schedule, name=f"periodic:{job.name}")
    def anchor():
        return jobs.run_job(job, now)

    done = threading.Event()
    outcome = {}

    # Huey keeps no results of periodic tasks; the hook sees the value in the worker thread.
    @huey.post_execute()
    def record(task, task_value, exc):
        connections.close_all()  # the worker thread's connection, as djhuey does
        outcome.update(value=task_value, exc=exc)
        done.set()

    # The scheduler's own choice: due at minute 17 of any hour, not at 18.
    due = huey.read_periodic(dt.datetime(2026, 12, 6, 3, 17))
    assert [task.name for task in due] == [f"periodic:{job.name}"]
    assert not huey.read_periodic(dt.datetime(2026, 12, 6, 3, 18))

    huey.enqueue(due[0])
    assert huey.pending_count() == 1
    assert redis.Redis.from_url(redis_url).llen(huey.storage.queue_key) == 1  # really in Redis

    consumer = huey.create_consumer(workers=2, worker_type="thread", periodic=False, check_worker_health=False)
    consumer.start()
    try:
        assert done.wait(timeout=60), "the consumer did not run the task"
    finally:
        consumer.stop(graceful=True)
    assert outcome["exc"] is None, outcome["exc"]
    value = outcome["value"]
    assert value["seq"] == head.seq and value["anchors"] >= 3
    assert huey.pending_count() == 0
    assert JobRun.objects.filter(job=job.name).count() == 1
    lines = [json.loads(line) for path in (tmp_path / "anchors").glob("*.jsonl") for line in path.read_text().splitlines()]
    assert lines[0]["seq"] == head.seq and lines[0]["hash"] == head.hash
    call_command("dudao_verify_audit")
    huey.flush()
