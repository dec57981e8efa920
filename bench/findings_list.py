"""Benchmark: the findings list API at scale.

    .venv/bin/python bench/findings_list.py [--findings 100000] [--regions 10] [--stores 100] [--runs 40]

Builds a throwaway organisation (SQLite in a temp dir, or the database of DATABASE_URL) with
regions x stores units (default 10 x 100 = 1,000) and N findings (default 100,000) spread over
them with bulk inserts, in every state, over half a year. Then times `GET /api/v1/findings`
(first page of 50, newest first; and the overdue filter) for a region manager (one region: a
tenth of the findings) and for an admin (everything), and prints p50 and p95 milliseconds and
the queries per request, which do not depend on the page size or the number of findings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STATUSES = ["open"] * 3 + ["planned"] * 3 + ["submitted"] * 1 + ["closed"] * 13
SEVERITIES = ["low", "medium", "medium", "medium", "high", "critical"]
DUE_DAYS = {"critical": 1, "high": 3, "medium": 7, "low": 15}
SOURCES = ["inspection", "inspection", "inspection", "data_check", "complaint", "self_report"]
CATEGORIES = ["process_compliance", "service_quality", "efficiency", "risk", "teamwork"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--regions", type=int, default=10)
    parser.add_argument("--stores", type=int, default=100, help="stores per region")
    parser.add_argument("--runs", type=int, default=40, help="timed requests per case")
    args = parser.parse_args()

    os.environ.setdefault("DUDAO_VAR_DIR", tempfile.mkdtemp(prefix="dudao-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(Path(os.environ["DUDAO_VAR_DIR"]) / "bench.sqlite3")
        connection.close()
    call_command("migrate", verbosity=0)

    from dudao.findings.models import Finding
    from dudao.org import services as org
    from dudao.org.choices import Role, UnitKind
    from dudao.org.models import Unit
    from dudao.provisioning.services import organization_init

    random.seed(2026)
    stamp = str(int(time.time()))
    started = time.perf_counter()
    result = organization_init(name=f"基准测试连锁{stamp}", pack="restaurant_chain",
                               admin_username=f"bench_admin_{stamp}", admin_password="Bench-admin-pass-1")
    organization, admin = result.organization, result.admin
    root = org.root_unit(organization)
    regions = [org.unit_create(actor=admin, parent=root, code=f"R{r:02d}", name=f"区域{r:02d}", kind=UnitKind.REGION)
               for r in range(args.regions)]
    # Stores in bulk: rows first, then their materialised paths (parent path + own id).
    Unit.objects.bulk_create([
        Unit(organization=organization, parent=region, code=f"S{r:02d}{s:03d}", name=f"门店{r:02d}-{s:03d}",
             kind=UnitKind.STORE, depth=2)
        for r, region in enumerate(regions) for s in range(args.stores)
    ], batch_size=1000)
    stores = list(Unit.objects.filter(organization=organization, kind=UnitKind.STORE).select_related("parent"))
    for store in stores:
        store.path = f"{store.parent.path}{store.pk}/"
    Unit.objects.bulk_update(stores, ["path"], batch_size=1000)
    manager = org.person_create(actor=admin, username=f"bench_region_{stamp}", display_name="基准区域经理",
                                password="Bench-region-pass-1")
    org.role_grant(actor=admin, person=manager, role=Role.REGION_MANAGER, unit=regions[0])

    now = timezone.now()
    batch: list[Finding] = []
    for number in range(args.findings):
        store = stores[number % len(stores)]
        severity = random.choice(SEVERITIES)
        created = now - dt.timedelta(minutes=random.randint(0, 180 * 24 * 60))
        due = timezone.localdate(created) + dt.timedelta(days=DUE_DAYS[severity])
        status = random.choice(STATUSES)
        batch.append(Finding(
            organization=organization, unit=store, source=random.choice(SOURCES), item_code=f"I{number % 80:03d}",
            title=f"问题 {number}", category=random.choice(CATEGORIES), severity=severity, status=status,
            round=1 + (number % 7 == 0), due_date=due, policy_due_date=due, created_by=admin, created_at=created,
            repeat=number % 11 == 0, closed_at=created + dt.timedelta(days=2) if status == "closed" else None,
            escalation_level=min(3, max(0, (timezone.localdate(now) - due).days)) if status != "closed" else 0,
        ))
        if len(batch) == 5000:
            Finding.objects.bulk_create(batch)
            batch = []
    Finding.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    built = time.perf_counter() - started
    region_count = Finding.objects.visible_to(manager).count()

    cases = [
        ("region manager", manager, {}),
        ("region manager", manager, {"overdue": "true"}),
        ("admin", admin, {}),
        ("admin", admin, {"overdue": "true"}),
        ("admin", admin, {"status": "submitted", "severity": "high"}),
    ]
    print(f"database: {connection.vendor}; units: {len(stores)} stores in {len(regions)} regions; "
          f"findings: {Finding.objects.count():,} (region manager sees {region_count:,}); built in {built:.0f} s")
    for label, person, params in cases:
        client = Client()
        client.force_login(person)
        query = {"limit": 50, **params}
        client.get("/api/v1/findings", query)  # warm up (roles, policy and plan caches)
        timings, counts = [], set()
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get("/api/v1/findings", query)
                timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.content
            counts.add(len(ctx.captured_queries))
        body = response.json()
        with CaptureQueriesContext(connection) as small:
            client.get("/api/v1/findings", {**query, "limit": 5})
        filters = " ".join(f"{k}={v}" for k, v in params.items()) or "(no filter)"
        print(f"{label:15} {filters:32} count={body['count']:>7,}  p50 {statistics.median(timings):7.1f} ms  "
              f"p95 {percentile(timings, 0.95):7.1f} ms  queries {sorted(counts)} (limit=5: {len(small)})")


if __name__ == "__main__":
    main()
