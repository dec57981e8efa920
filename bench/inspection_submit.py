"""Benchmark: submitting inspections of a 100-item template through the API.

    .venv/bin/python bench/inspection_submit.py [--count 50] [--items 100]

Builds a throwaway organisation (SQLite in a temp dir, or the database of DATABASE_URL), then for
each of N inspections: creates it and answers every item through the API, and times only the
submit call. Prints the median and p95 milliseconds per submit and the queries per submit.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=50, help="inspections to submit")
    parser.add_argument("--items", type=int, default=100, help="items in the template")
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

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(Path(os.environ["DUDAO_VAR_DIR"]) / "bench.sqlite3")
        connection.close()
    call_command("migrate", verbosity=0)

    from dudao.checklists.models import Item, Section, Template
    from dudao.org import services as org
    from dudao.org.choices import Role, UnitKind
    from dudao.provisioning.services import organization_init

    stamp = str(int(time.time()))
    result = organization_init(name=f"基准测试连锁{stamp}", pack="restaurant_chain",
                               admin_username=f"bench_admin_{stamp}", admin_password="Bench-admin-pass-1")
    admin = result.admin
    root = org.root_unit(result.organization)
    region = org.unit_create(actor=admin, parent=root, code="R", name="基准区域", kind=UnitKind.REGION)
    store = org.unit_create(actor=admin, parent=region, code="S", name="基准门店", kind=UnitKind.STORE)
    supervisor = org.person_create(actor=admin, username=f"bench_sup_{stamp}", display_name="基准督导",
                                   password="Bench-supervisor-1")
    org.role_grant(actor=admin, person=supervisor, role=Role.SUPERVISOR, unit=region)
    template = Template.objects.create(organization=result.organization, name="基准检查表", created_by=admin,
                                       status="published")
    sections = [Section.objects.create(template=template, title=f"第{i + 1}部分", position=i) for i in range(5)]
    Item.objects.bulk_create([
        Item(template=template, section=sections[n % 5], position=n, code=f"I{n:03d}", text=f"检查项{n}",
             kind="check", points=5, severity=("low", "medium", "high")[n % 3])
        for n in range(args.items)
    ])

    client = Client()
    client.force_login(supervisor)
    timings, queries = [], []
    answers = [{"item_code": f"I{n:03d}", "value": "fail" if n % 20 == 0 else "pass"} for n in range(args.items)]
    for _ in range(args.count):
        created = client.post("/api/v1/inspections", {"unit_id": store.pk, "template_id": template.pk,
                                                       "latitude": "31.230416", "longitude": "121.473701"},
                              content_type="application/json")
        assert created.status_code == 201, created.content
        inspection_id = created.json()["id"]
        put = client.put(f"/api/v1/inspections/{inspection_id}/answers", answers, content_type="application/json")
        assert put.status_code == 200, put.content
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.post(f"/api/v1/inspections/{inspection_id}/submit", content_type="application/json")
            timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content
        queries.append(len(ctx.captured_queries))

    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * len(timings))) - 1)]
    print(f"database: {connection.vendor}; template items: {args.items}; inspections submitted: {args.count}")
    print(f"submit median: {statistics.median(timings):.1f} ms   p95: {p95:.1f} ms   "
          f"min: {timings[0]:.1f} ms   max: {timings[-1]:.1f} ms")
    print(f"queries per submit: {sorted(set(queries))} (findings per submit: {len(range(0, args.items, 20))})")


if __name__ == "__main__":
    main()
