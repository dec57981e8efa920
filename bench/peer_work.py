"""Benchmark: the peer bench's work, over real HTTP against a production-settings server.

    .venv/bin/python bench/peer_work.py [--findings 1000] [--answers 1000] [--batches 20]
                                        [--lists 30] [--pages 300] [--workers 2] [--port 8138]
    .venv/bin/python bench/peer_work.py --url http://127.0.0.1:8000   # a server already running

Without --url it builds a throwaway organisation in a fresh SQLite file (a temp DUDAO_VAR_DIR, or
the database of DATABASE_URL), then starts gunicorn itself (`config.wsgi`, --workers, production
settings: `config.settings.production`, DEBUG off, a throwaway SECRET_KEY, SSL redirect off since it
is plain HTTP on loopback) on that database, and stops it at the end. With --url the server must use
the same database (DATABASE_URL) as this script, which writes the organisation into it first.

The work, each timed per request from the client (a keep-alive `requests` session, Bearer token):
- 1,000 findings created one per request (`POST /api/v1/findings`);
- 1,000 answers recorded one per request (`PUT /api/v1/inspections/{id}/answers` with one item), on a
  120-item and on a 1,200-item checklist (the cost must not grow with the checklist);
- 1,200 answers in one batch (the whole 1,200-item checklist in one PUT), --batches times;
- 1,000 findings listed in one call (`GET /api/v1/findings?limit=1000`), --lists times;
- a filtered page (`GET /api/v1/findings?unit_id=<region>&status=open&limit=20`), --pages times.
Prints p50 and p95 milliseconds for each, against the targets of issue 14, after the floor: an
authenticated `GET /api/v1/me` (HTTP, middleware and the token's one query, nothing else).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {  # p50 targets in ms (the batch is its own p50)
    "findings create": 6.0,
    "answer, 120-item checklist": 6.0,
    "answer, 1200-item checklist": 6.0,
    "1200 answers in one batch": 150.0,
    "list 1000 findings in one call": 60.0,
    "filtered page": 5.0,
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]


def setup_environment(var_dir: str) -> None:
    os.environ["DUDAO_VAR_DIR"] = var_dir
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{var_dir}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    os.environ.setdefault("DEBUG", "0")


def build_world() -> dict:
    """A fresh organisation: a region of stores, a supervisor over it, two published checklists."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from dudao.checklists.models import Item, Section, Template
    from dudao.org import services as org
    from dudao.org.choices import Role, UnitKind
    from dudao.policies.registry import policy_for
    from dudao.provisioning.services import organization_init

    stamp = secrets.token_hex(4)
    result = organization_init(name=f"基准连锁{stamp}", pack="restaurant_chain",
                               admin_username=f"bench_admin_{stamp}", admin_password="Bench-admin-pass-1")
    admin, organization = result.admin, result.organization
    root = org.root_unit(organization)
    region = org.unit_create(actor=admin, parent=root, code=f"R{stamp}", name="基准区域", kind=UnitKind.REGION)
    other = org.unit_create(actor=admin, parent=root, code=f"Q{stamp}", name="另一区域", kind=UnitKind.REGION)
    stores = [org.unit_create(actor=admin, parent=parent, code=f"S{stamp}{n}", name=f"基准门店{n}",
                              kind=UnitKind.STORE) for n, parent in enumerate([region] * 4 + [other] * 4)]
    supervisor = org.person_create(actor=admin, username=f"bench_sup_{stamp}", display_name="基准督导",
                                   password="Bench-supervisor-1")
    org.role_grant(actor=admin, person=supervisor, role=Role.SUPERVISOR, unit=root)
    templates = {}
    for size in (120, 1200):
        template = Template.objects.create(organization=organization, name=f"基准检查表{size}", created_by=admin,
                                           status="published")
        sections = [Section.objects.create(template=template, title=f"第{i + 1}部分", position=i) for i in range(6)]
        Item.objects.bulk_create([
            Item(template=template, section=sections[n % 6], position=n, code=f"I{n:04d}", text=f"检查项{n}",
                 kind="check", points=5, severity=("low", "medium", "high")[n % 3])
            for n in range(size)
        ])
        templates[size] = template.pk
    category = policy_for(organization, on=None).findings.categories[0].code
    return {
        "token": org.token_issue(person=supervisor), "stores": [s.pk for s in stores], "region": region.pk,
        "templates": templates, "category": category,
    }


def start_server(port: int, workers: int, var_dir: str) -> subprocess.Popen:
    log = open(Path(var_dir) / "gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--worker-class", "gthread", "--threads", "4", "--keep-alive", "30",
         "--log-level", "warning"],
        cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    return server


def wait_until_up(session, url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if session.get(f"{url}/api/v1/findings?limit=1", timeout=2).status_code == 200:
                return
        except Exception:  # not listening yet
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server at {url} did not answer within {seconds} s")


def timed(call, count: int) -> list[float]:
    timings = []
    for n in range(count):
        start = time.perf_counter()
        response = call(n)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code >= 300:
            raise SystemExit(f"{response.request.method} {response.request.url}: {response.status_code} "
                             f"{response.text[:300]}")
    return timings


def run(url: str, world: dict, args) -> list[tuple[str, list[float]]]:
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {world['token']}"
    wait_until_up(session, url)
    api = f"{url}/api/v1"
    stores = world["stores"]
    results = []

    def create_finding(n):
        return session.post(f"{api}/findings", json={
            "unit_id": stores[n % len(stores)], "source": "data_check", "title": f"基准问题 {n}",
            "category": world["category"], "severity": ("low", "medium", "high")[n % 3],
            "client_id": f"bench-{n}-{time.time_ns()}",
        })

    for n in range(10):  # warm both workers
        create_finding(n)
    # The floor: an authenticated request that reads one row (the token and its person). Every
    # figure below includes this much (HTTP, middleware, authentication) before its own work.
    results.append(("floor: GET /me", timed(lambda n: session.get(f"{api}/me"), args.pages)))
    results.append(("findings create", timed(create_finding, args.findings)))

    def new_inspection(size: int, n: int) -> int:
        response = session.post(f"{api}/inspections", json={
            "unit_id": stores[n % len(stores)], "template_id": world["templates"][size],
            "client_id": f"bench-insp-{size}-{n}-{time.time_ns()}",
            "latitude": "31.230400", "longitude": "121.473700",  # checked in on site (the stores have no position)
        })
        assert response.status_code == 201, response.text
        return response.json()["id"]

    for size in (120, 1200):
        inspection = new_inspection(size, 0)

        def answer(n, inspection=inspection, size=size):
            code = f"I{n % size:04d}"
            return session.put(f"{api}/inspections/{inspection}/answers",
                               json=[{"item_code": code, "value": "pass" if n % 7 else "fail", "note": ""}])

        answer(0)
        results.append((f"answer, {size}-item checklist", timed(answer, args.answers)))

    batch = [{"item_code": f"I{n:04d}", "value": "pass", "note": ""} for n in range(1200)]
    inspections = [new_inspection(1200, n + 1) for n in range(args.batches)]
    results.append(("1200 answers in one batch",
                     timed(lambda n: session.put(f"{api}/inspections/{inspections[n]}/answers", json=batch),
                           args.batches)))

    def list_all(n):
        response = session.get(f"{api}/findings", params={"limit": 1000})
        if response.status_code == 200:
            body = response.json()
            assert len(body["items"]) == min(1000, body["count"]), response.text[:200]
        return response

    results.append(("list 1000 findings in one call", timed(list_all, args.lists)))
    results.append(("filtered page", timed(
        lambda n: session.get(f"{api}/findings", params={"unit_id": world["region"], "status": "open", "limit": 20}),
        args.pages)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--findings", type=int, default=1000)
    parser.add_argument("--answers", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--lists", type=int, default=30)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8138)
    parser.add_argument("--url", default="", help="a server already running on the same database")
    args = parser.parse_args()

    var_dir = os.environ.get("DUDAO_VAR_DIR") or tempfile.mkdtemp(prefix="dudao-peer-")
    setup_environment(var_dir)
    world = build_world()
    from django.db import connection

    vendor = connection.vendor
    connection.close()
    server = None
    url = args.url.rstrip("/")
    # A TERM (as from `kill`) unwinds like Ctrl-C, so the server started here is stopped with it.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if not url:
        server = start_server(args.port, args.workers, var_dir)
        url = f"http://127.0.0.1:{args.port}"
    try:
        results = run(url, world, args)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    print(f"database: {vendor}; server: {'gunicorn, ' + str(args.workers) + ' workers' if server else url}")
    print(f"{'work':34} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'target p50':>11}")
    for name, timings in results:
        target = TARGETS.get(name)
        mark = "" if target is None else ("ok" if statistics.median(timings) < target else "MISSED")
        print(f"{name:34} {len(timings):5d} {statistics.median(timings):8.1f} {percentile(timings, 0.95):8.1f} "
              f"{'< ' + format(target, 'g') if target else '':>11} {mark}")


if __name__ == "__main__":
    main()
