"""Benchmark: 100,000 KPI figures (kpi_values) through the import engine, then an appraisal cycle
of 2,000 people.

    .venv/bin/python bench/appraisal.py [--stores 1000] [--months 20] [--format csv|xlsx] [--people 2000]

Builds a throwaway organisation (SQLite in a temp dir, or the database of DATABASE_URL) with
max(`--stores`, `--people`) stores (an onboarding import), then one file of stores x 5 KPIs x months
figures (100,000 rows by default) with Chinese headers, and times, through the import services, the
dry run (every row checked, nothing written) and the apply (every figure and its audit event
written in one transaction), then a re-import of the same file from a second source (every figure
cross-checked, none beyond the tolerance).

Then `--people` store managers (one per store) and a supervisor per region, with three months of
supervision history (two inspections per store and month, a finding each, one closed on time and
one overdue, two planned visits per store and month), the cycle month's sales and satisfaction
figures (a second agreeing source for every other store), targets, attendance (some with personal
leave over the policy days), bonus bases and a few managers who left; and times opening the store
managers' cycle for that month (`cycle_create`, which scores it) and computing it again
(`cycle_compute`). Prints wall seconds, CPU seconds and queries of each step; asserts nothing
about time (targets: import apply < 30 s, cycle < 20 s on SQLite).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import time
from decimal import Decimal

from throwaway import QueryCounter, setup_throwaway_database, timed_import

KPIS = ("target_completion", "key_site_management", "satisfaction", "qsc", "training_participation")


def onboarding(stores: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    units = book.active
    units.title = "机构"
    units.append(["编码", "名称", "类型", "上级编码"])
    regions = max(1, stores // 100)
    for r in range(1, regions + 1):
        units.append([f"R{r}", f"第{r}区", "区域", "ROOT"])
    for n in range(1, stores + 1):
        units.append([f"S{n:05d}", f"第{n}号店", "门店", f"R{(n - 1) % regions + 1}"])
    book.create_sheet("人员").append(["用户名", "姓名", "邮箱", "初始密码", "角色", "机构编码"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def figures(stores: int, months: int, source: str, fmt: str, bump: float = 0.0) -> bytes:
    rows = [["门店编码", "指标代码", "月份", "实际值", "来源"]]
    for m in range(months):
        period = f"{2024 + m // 12}-{m % 12 + 1:02d}"
        for n in range(1, stores + 1):
            for k, kpi in enumerate(KPIS):
                value = 1000 + n * 7 + k * 3 + m
                rows.append([f"S{n:05d}", kpi, period, f"{value * (1 + bump):,.2f}", source])
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return out.getvalue().encode("utf-8")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("KPI 数值")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CYCLE_PERIOD = "2025-12"  # after the imported months: the cycle's figures are the ones made below


def population(admin, people: int, stamp: str) -> None:
    """Store managers and supervisors with three months of history and the cycle month's data."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from dudao.appraisal.models import Attendance, BonusBase, KpiValue, Target
    from dudao.checklists.models import Template
    from dudao.findings.models import Finding
    from dudao.inspections.models import Inspection
    from dudao.org.models import Person, RoleAssignment, Unit
    from dudao.planning.models import Plan, Visit

    org_id = admin.organization_id
    stores = list(Unit.objects.filter(organization_id=org_id, kind="store").order_by("code")[:people])
    regions = {u.pk: u for u in Unit.objects.filter(organization_id=org_id, kind="region")}
    root = Unit.objects.get(organization_id=org_id, parent__isnull=True)
    password = make_password("Bench-pass-2026")
    managers = Person.objects.bulk_create([
        Person(organization_id=org_id, username=f"m{stamp}_{n:05d}", display_name=f"店长{n}", password=password,
               left_on=dt.date(2025, 12, 12) if n % 97 == 0 else None)
        for n in range(len(stores))])
    supervisors = dict(zip(regions, Person.objects.bulk_create([
        Person(organization_id=org_id, username=f"s{stamp}_{n:04d}", display_name=f"督导{n}", password=password)
        for n in range(len(regions))]), strict=True))
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(organization_id=org_id, person=m, role="unit_manager", unit=s)
         for m, s in zip(managers, stores, strict=True)]
        + [RoleAssignment(organization_id=org_id, person=p, role="supervisor", unit_id=r)
           for r, p in supervisors.items()])
    template = Template.objects.create(organization_id=org_id, name="基准检查表", created_by=admin, status="published",
                                       published_at=timezone.now())
    inspections, visits, findings = [], [], []
    for month in (10, 11, 12):
        plan = Plan.objects.create(organization_id=org_id, title=f"2025-{month}", kind="month",
                                   period_start=dt.date(2025, month, 1), period_end=dt.date(2025, month, 28),
                                   scope_unit=root, status="published", created_by=admin)
        for n, store in enumerate(stores):
            supervisor = supervisors[store.parent_id]
            for day in (5, 18):
                at = timezone.make_aware(dt.datetime(2025, month, day, 10))
                inspections.append(Inspection(
                    organization_id=org_id, unit=store, template=template, inspector=supervisor, performed_at=at,
                    status="submitted", submitted_at=at, score=Decimal(70 + (n * 7 + day + month) % 30),
                    passed=True))
                visits.append(Visit(organization_id=org_id, plan=plan, unit=store, supervisor=supervisor,
                                    date=dt.date(2025, month, day), status="done" if day == 5 else "planned",
                                    done_at=at if day == 5 else None))
    Inspection.objects.bulk_create(inspections, batch_size=2000)
    Visit.objects.bulk_create(visits, batch_size=2000)
    for inspection in inspections:
        on_time = inspection.performed_at.day == 5
        findings.append(Finding(
            organization_id=org_id, unit_id=inspection.unit_id, source="inspection", inspection=inspection,
            title="地面清洁", category="process_compliance", severity="medium",
            status="closed" if on_time else "open", due_date=inspection.performed_at.date() + dt.timedelta(days=7),
            policy_due_date=inspection.performed_at.date() + dt.timedelta(days=7), created_by=inspection.inspector,
            created_at=inspection.performed_at, closed_at=inspection.performed_at + dt.timedelta(days=3)
            if on_time else None, closed_by=inspection.inspector if on_time else None))
    Finding.objects.bulk_create(findings, batch_size=2000)
    figures, targets = [], []
    for n, store in enumerate(stores):
        figures.append(KpiValue(organization_id=org_id, unit=store, scope_unit=store, kpi_code="target_completion",
                                period=CYCLE_PERIOD, value=Decimal(380000 + n * 17), source="POS", created_by=admin))
        for source in ("POS", "问卷") if n % 2 else ("POS",):
            figures.append(KpiValue(organization_id=org_id, unit=store, scope_unit=store, kpi_code="satisfaction",
                                    period=CYCLE_PERIOD, value=Decimal(80 + n % 20), source=source, created_by=admin))
        targets.append(Target(organization_id=org_id, unit=store, scope_unit=store, kpi_code="target_completion",
                              period=CYCLE_PERIOD, value=Decimal(400000), created_by=admin))
    KpiValue.objects.bulk_create(figures, batch_size=2000)
    Target.objects.bulk_create(targets, batch_size=2000)
    Attendance.objects.bulk_create([
        Attendance(organization_id=org_id, person=m, scope_unit=s, month=dt.date(2025, 12, 1), days_worked=Decimal(22),
                   personal_leave_days=Decimal(5) if n % 10 == 0 else Decimal(1))
        for n, (m, s) in enumerate(zip(managers, stores, strict=True))], batch_size=2000)
    BonusBase.objects.bulk_create([
        BonusBase(organization_id=org_id, person=m, scope_unit=s, period=CYCLE_PERIOD, base=Decimal(3000 + n % 5 * 500))
        for n, (m, s) in enumerate(zip(managers, stores, strict=True))], batch_size=2000)
    print(f"cycle data: {len(managers)} store managers, {len(supervisors)} supervisors, {len(inspections)} "
          f"inspections, {len(findings)} findings, {len(visits)} visits, {len(figures)} figures")


def appraisal_cycle(admin, people: int, stamp: str) -> None:
    from django.db import connection

    from dudao.appraisal import services as appraisal
    from dudao.appraisal.models import Appraisal
    from dudao.org.models import Unit

    population(admin, people, stamp)
    root = Unit.objects.get(organization_id=admin.organization_id, parent__isnull=True)

    def timed(label: str, step):
        with QueryCounter(connection) as queries:
            started, cpu = time.perf_counter(), time.process_time()
            result = step()
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"{label:<16} {seconds:7.2f} s  {cpu:6.2f} s cpu  {queries.count:6d} queries")
        return result

    cycle = timed("cycle open", lambda: appraisal.cycle_create(actor=admin, role="unit_manager", period=CYCLE_PERIOD,
                                                                scope_unit=root))
    computed = timed("cycle compute", lambda: appraisal.cycle_compute(actor=admin, cycle=cycle))
    scored = Appraisal.objects.filter(cycle=cycle, score__isnull=False).count()
    print(f"appraisals: {len(computed)} computed, {scored} scored, "
          f"{Appraisal.objects.filter(cycle=cycle, bonus_forfeited=True).count()} forfeited")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--months", type=int, default=20)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--people", type=int, default=2000, help="store managers in the appraisal cycle")
    args = parser.parse_args()

    setup_throwaway_database()
    from django.db import connection

    from dudao.appraisal.models import KpiValue
    from dudao.imports import services
    from dudao.provisioning.services import organization_init

    stamp = str(int(time.time()))
    admin = organization_init(name=f"考核连锁{stamp}", pack="restaurant_chain", admin_username=f"kpi_{stamp}",
                              admin_password="Bench-admin-pass-1").admin
    setup = services.import_run_create(actor=admin, kind="units", content=onboarding(max(args.stores, args.people)),
                                       filename="onboarding.xlsx", dry_run=False, detect_onboarding=True)
    assert services.import_run_process(actor=admin, run=setup).status == "applied"

    def process(content: bytes, name: str, dry_run: bool):
        return lambda: services.import_run_process(actor=admin, run=services.import_run_create(
            actor=admin, kind="kpi_values", content=content, filename=name, dry_run=dry_run))

    rows = args.stores * args.months * len(KPIS)
    print(f"{connection.vendor}: {rows} KPI rows ({args.stores} stores x {len(KPIS)} KPIs x {args.months} months), "
          f"{args.format}")
    first = figures(args.stores, args.months, "POS", args.format)
    timed_import("dry run", process(first, f"pos.{args.format}", True), width=16)
    timed_import("apply", process(first, f"pos.{args.format}", False), width=16)
    second = figures(args.stores, args.months, "财务", args.format, bump=0.001)
    timed_import("2nd source", process(second, f"finance.{args.format}", False), width=16)
    print(f"figures stored: {KpiValue.objects.count()}")
    if args.people:
        appraisal_cycle(admin, args.people, stamp)


if __name__ == "__main__":
    main()
