"""The set-up the throwaway-database benchmarks share: Django on the test settings, a fresh SQLite
file in a temporary DUDAO_VAR_DIR (or the database of DATABASE_URL), migrated."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_throwaway_database() -> None:
    os.environ.setdefault("DUDAO_VAR_DIR", tempfile.mkdtemp(prefix="dudao-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(Path(os.environ["DUDAO_VAR_DIR"]) / "bench.sqlite3")
        connection.close()
    call_command("migrate", verbosity=0)


class QueryCounter:
    """Counts the queries run inside it. Unlike CaptureQueriesContext it keeps no SQL text: that keeps
    only the last 9,000, and on SQLite formats every parameter of every statement by running another
    query, which would be timed with the work."""

    def __init__(self, connection) -> None:
        self.connection, self.count = connection, 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapper = self.connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)


def timed_import(label: str, run_fn, width: int = 8):
    """Run an import step, print its wall and CPU seconds (on a shared machine the CPU figure is the
    steadier one), queries and outcome, and return the run."""
    from django.db import connection

    with QueryCounter(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        run = run_fn()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{label:<{width}} {seconds:7.2f} s  {cpu:6.2f} s cpu  {queries.count:6d} queries  status={run.status} "
          f"rows={run.rows} created={run.created} updated={run.updated} errors={len(run.errors)}")
    return run
