"""Analytics at scale: the summary endpoint, the monthly evaluation and a bulletin, timed.

    DATABASE_URL=postgres://... .venv/bin/python bench/analytics.py [--runs 30] [--org ID]
        [--analyze] [--explain]

Against the organisation bench/generate.py built (the newest one by default):

- `GET /api/v1/analytics/summary` through Django's full request stack (session sign-in), for the
  whole organisation (an executive) and for one region (its region manager), each for this month
  so far (the dashboard's default), the last full month and the last twelve months: p50 and p95
  milliseconds over --runs calls after a warm-up, and the queries per call;
- one monthly evaluation of every unit (`evaluation_run`, the last full month), first run and re-run;
- one bulletin for the whole organisation (`dudao.reporting.services.bulletin_compile`) for the
  last complete half-month, when that service exists.

Targets on the 2-core machine: summary p95 < 300 ms (every period, the twelve months included),
evaluation < 60 s, bulletin < 10 s. Whole months of the summary come from the monthly rollups
(dudao/facts/rollups.py; bench/generate.py rebuilds them after its bulk load).
The period indexes analytics reads through (findings, inspections, visits) come with the apps'
migrations. --analyze first runs VACUUM ANALYZE on those tables (a bulk load leaves the visibility
map empty, so index-only scans cannot be used until autovacuum has passed); --explain prints
EXPLAIN ANALYZE of each summary query.
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import sys
import time
from pathlib import Path

from throwaway import QueryCounter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SUMMARY_P95_MS = 300
TARGET_EVALUATION_S = 60
TARGET_BULLETIN_S = 10

def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return ordered[index]


def verdict(value: float, target: float, unit: str) -> str:
    if value <= target:
        return f"within target ({target:g} {unit})"
    return f"MISSED target {target:g} {unit} by {value - target:.1f} {unit} ({value / target:.1f}x)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--org", type=int, default=None, help="organisation id (default: the newest bench one)")
    parser.add_argument("--analyze", action="store_true", help="VACUUM ANALYZE the big tables first")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each summary query once")
    parser.add_argument("--skip-evaluation", action="store_true")
    parser.add_argument("--skip-bulletin", action="store_true")
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    # Mail and chat delivery belongs to huey's worker, as in production; the test settings would run
    # it inline inside the timed calls.
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False
    import logging

    logging.getLogger("huey").setLevel(logging.WARNING)

    from dudao.analytics.scope import add_months, month_end
    from dudao.analytics.services import evaluation_run
    from dudao.org.choices import Role, UnitKind
    from dudao.org.models import Organization, Person, RoleAssignment, Unit

    print(f"database: {connection.vendor} {connection.settings_dict.get('NAME')}; {os.cpu_count()} CPUs")
    organizations = Organization.objects.filter(name__startswith="基准连锁").order_by("-pk")
    org = organizations.get(pk=args.org) if args.org else organizations.first()
    if org is None:
        raise SystemExit("no bench organisation: run bench/generate.py first")
    units = Unit.objects.filter(organization=org).count()
    print(f"organisation {org.name} (id {org.pk}): {units:,} units")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("inspections_inspection", "findings_finding", "planning_visit", "inspections_answer"):
                cursor.execute(f"SELECT reltuples::bigint FROM pg_class WHERE relname = '{table}'")
                print(f"  {table}: ~{cursor.fetchone()[0]:,} rows")

    if args.analyze and connection.vendor == "postgresql":
        started = time.monotonic()
        with connection.cursor() as cursor:
            for table in ("findings_finding", "planning_visit", "inspections_inspection", "facts_unitmonth",
                          "facts_closurecount", "facts_organizationclosurecount"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        print(f"VACUUM ANALYZE in {time.monotonic() - started:.1f}s")

    def holder(role, unit=None):
        assignments = RoleAssignment.objects.filter(organization=org, role=role)
        if unit is not None:
            assignments = assignments.filter(unit=unit)
        return Person.objects.get(pk=assignments.order_by("pk").values_list("person_id", flat=True).first())

    executive = holder(Role.EXECUTIVE)
    region = Unit.objects.filter(organization=org, kind=UnitKind.REGION).order_by("path").first()
    region_manager = holder(Role.REGION_MANAGER, region)
    root = Unit.objects.get(organization=org, parent__isnull=True)
    today = timezone.localdate()
    last_month = add_months(today, -1)
    periods = {
        "this month so far": {},
        "last full month": {"from": last_month.isoformat(), "to": month_end(last_month).isoformat()},
        "last 12 months": {"from": add_months(today, -11).isoformat(), "to": today.isoformat()},
    }

    from dudao.facts.models import RollupMark, UnitMonth

    rolled = UnitMonth.objects.filter(organization=org).dates("month", "month")
    print(f"\nGET /api/v1/analytics/summary ({args.runs} calls each after a warm-up)")
    print(f"  figures from: monthly rollups (dudao/facts/rollups.py) for whole months, {len(rolled)} months rolled "
          f"up, {RollupMark.objects.filter(organization=org).count()} marks pending; the rest from the records")
    worst_p95 = 0.0
    for who, person, scope in (("whole organisation", executive, None), (f"one region ({region.name})",
                                                                          region_manager, None)):
        client = Client()
        client.force_login(person)
        for label, params in periods.items():
            query = dict(params)
            if scope is not None:
                query["scope_unit_id"] = scope
            response = client.get("/api/v1/analytics/summary", query)
            assert response.status_code == 200, response.content[:300]
            timings = []
            for _ in range(args.runs):
                started = time.perf_counter()
                response = client.get("/api/v1/analytics/summary", query)
                timings.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(connection) as queries:
                client.get("/api/v1/analytics/summary", query)
            body = response.json()
            p50, p95 = statistics.median(timings), percentile(timings, 0.95)
            worst_p95 = max(worst_p95, p95)
            print(f"  {who:<28} {label:<18} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {len(queries)} queries  "
                  f"[{body['inspections']:,} inspections, {sum(body['findings_by_severity'].values()):,} findings, "
                  f"avg {body['average_score']}, on time {body['on_time_closure_rate']}%]")
            if args.explain and connection.vendor == "postgresql":
                explain(connection, queries)
    print(f"  worst p95 {worst_p95:.1f} ms: {verdict(worst_p95, TARGET_SUMMARY_P95_MS, 'ms')}")

    if not args.skip_evaluation:
        print(f"\nmonthly evaluation of every unit ({last_month:%Y-%m}, after {add_months(today, -2):%Y-%m})")
        admin = holder(Role.ADMIN)
        for attempt, month in (("month before", add_months(today, -2)), ("first run", last_month),
                               ("re-run", last_month)):
            started = time.perf_counter()
            with QueryCounter(connection) as queries:
                run = evaluation_run(actor=admin, organization=org, month=month)
            elapsed = time.perf_counter() - started
            print(f"  {attempt:<12} {elapsed:6.1f} s  {queries.count:,} queries  [{run.units:,} units, {run.scored:,} "
                  f"scored, {run.passed:,} passed, {run.key_targets:,} key targets, "
                  f"{run.review_cases_opened:,} review cases opened]  {verdict(elapsed, TARGET_EVALUATION_S, 's')}")

    if not args.skip_bulletin:
        print("\nbulletin for the whole organisation")
        try:
            from dudao.reporting import services as reporting
        except ImportError:
            reporting = None
        compile_ = getattr(reporting, "bulletin_compile", None) if reporting else None
        if compile_ is None:
            print("  not available: dudao.reporting.services.bulletin_compile does not exist yet")
        else:
            if today.day > 15:
                start, end = today.replace(day=1), today.replace(day=15)
            else:
                start, end = last_month.replace(day=16), month_end(last_month)
            kwargs = {"actor": holder(Role.OPS_MANAGER), "scope_unit": root, "period_start": start, "period_end": end}
            accepted = inspect.signature(compile_).parameters
            kwargs = {k: v for k, v in kwargs.items() if k in accepted}
            try:
                started = time.perf_counter()
                with QueryCounter(connection) as queries:
                    compile_(**kwargs)
                elapsed = time.perf_counter() - started
                print(f"  {start} – {end}: {elapsed:6.1f} s  {queries.count:,} queries  "
                      f"{verdict(elapsed, TARGET_BULLETIN_S, 's')}")
            except Exception as exc:  # another app's service: report it, do not crash the bench
                print(f"  bulletin_compile failed: {type(exc).__name__}: {exc}")


def explain(connection, queries) -> None:
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or "django_session" in sql or "org_person" in sql:
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(f"      {row[0]}" for row in cursor.fetchall())
            print(f"    {sql[:160]}...\n{plan}")


if __name__ == "__main__":
    main()
