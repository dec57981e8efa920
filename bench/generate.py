"""Scale data: an organisation of 10,000 sites with 24 months of supervision history, on PostgreSQL.

    DATABASE_URL=postgres://... .venv/bin/python bench/generate.py [--units 10000] [--months 24]

Builds (by default) one restaurant chain: a company root, 100 regions, 10,000 stores, a manager per
store, a region manager and two supervisors per region, an ops manager, HR and an executive; one
published 20-item template; per region and month a published plan whose visits (about two per store
and month, one in ten missed) are mostly done by inspections (about 480,000), each raising failed
items as findings (about two per inspection on average: about 1,000,000) with their failed answers;
findings close mostly on time, some late, recent ones stay open; repeats are marked by the
policy rule (the same item at the same unit within 90 days).

Rows go in with COPY (psycopg's `cursor.copy()`), ids reserved from each table's sequence, so a
run takes minutes, not hours; every model's other columns get their defaults from the model, so the
generator keeps working as the models grow. Progress is printed per phase. Deterministic for a
given --seed. Prints the organisation's name and id at the end (bench/analytics.py finds the
newest bench organisation by itself).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import random
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ORG_PREFIX = "基准连锁"
PASSWORD = "Bench-pass-2026"
SEVERITIES = [("low", 0.30), ("medium", 0.45), ("high", 0.20), ("critical", 0.05)]
DUE_DAYS = {"critical": 1, "high": 3, "medium": 7, "low": 15}
CATEGORIES = ["process_compliance", "service_quality", "efficiency", "risk", "teamwork"]
ITEM_TEXTS = [
    "地面清洁无积水", "冷藏温度达标", "食材标签完整", "员工仪容仪表", "服务礼仪规范", "收银差异在容差内",
    "消防通道畅通", "灭火器在有效期", "后厨分区明确", "餐具消毒记录", "出品时间达标", "菜品温度达标",
    "卫生间整洁", "排班表公示", "交接班记录完整", "库存先进先出", "原料验收记录", "顾客投诉处理及时",
    "门店外观整洁", "安全培训记录",
]


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Table:
    """COPY into one model's table: the columns given per row, then every other column's default."""

    def __init__(self, model, columns: list[str]) -> None:
        from django.db import models
        from django.utils import timezone

        self.model = model
        self.table = model._meta.db_table
        self.columns = list(columns)
        defaults, default_columns = [], []
        for field in model._meta.concrete_fields:
            if field.column in self.columns:
                continue
            if field.primary_key:
                continue
            if field.has_default():
                value = field.get_default()
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = timezone.now()
            elif field.null:
                value = None
            elif isinstance(field, models.CharField | models.TextField) and field.blank:
                value = ""
            else:
                raise SystemExit(f"{self.table}.{field.column} needs a value: add it to the generator")
            if isinstance(field, models.JSONField):
                value = json.dumps(value)
            elif isinstance(value, uuid.UUID):
                value = str(value)
            defaults.append(value)
            default_columns.append(field.column)
        self.all_columns = self.columns + default_columns
        self.defaults = tuple(defaults)
        self.per_row_uuid = [
            index for index, field in enumerate(f for f in model._meta.concrete_fields if f.column in default_columns)
            if isinstance(field.default, type(uuid.uuid4)) and field.default is uuid.uuid4
        ]

    def copy(self, cursor, rows, *, label: str, total: int | None = None) -> int:
        names = ", ".join(f'"{c}"' for c in self.all_columns)
        started, count = time.monotonic(), 0
        with cursor.copy(f'COPY "{self.table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                if self.per_row_uuid:
                    defaults = list(self.defaults)
                    for index in self.per_row_uuid:
                        defaults[index] = str(uuid.uuid4())
                    copy.write_row(row + tuple(defaults))
                else:
                    copy.write_row(row + self.defaults)
                count += 1
                if count % 200_000 == 0:
                    rate = count / (time.monotonic() - started)
                    done = f"{count:,}" + (f" / {total:,}" if total else "")
                    say(f"  {label}: {done} rows ({rate:,.0f}/s)")
        say(f"  {label}: {count:,} rows in {time.monotonic() - started:.1f}s")
        return count


def reserve_ids(cursor, model, count: int) -> int:
    """Reserve `count` ids from the table's sequence; returns the first."""
    table = model._meta.db_table
    cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [sequence])
    first = cursor.fetchone()[0]
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count])
    return first


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def days_in(month: dt.date) -> int:
    nxt = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return (nxt - month).days


def poisson_like(rng: random.Random, mean: float) -> int:
    """An integer with the given mean: its floor, plus one with the fractional part's chance."""
    base = math.floor(mean)
    return base + (1 if rng.random() < mean - base else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=10_000, help="stores")
    parser.add_argument("--regions", type=int, default=0, help="regions (default: one per 100 stores)")
    parser.add_argument("--months", type=int, default=24, help="months of history up to today")
    parser.add_argument("--visits", type=float, default=2.0, help="planned visits per store and month")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    if connection.vendor != "postgresql":
        raise SystemExit("bench/generate.py needs PostgreSQL: set DATABASE_URL (bench/pg.sh start prints one)")

    from dudao.checklists.models import Item, Section, Template
    from dudao.facts.models import ClosureCount, OrganizationClosureCount, UnitMonth
    from dudao.findings.models import Finding
    from dudao.inspections.models import Answer, Inspection
    from dudao.org.choices import Role, UnitKind
    from dudao.org.models import Person, RoleAssignment, Unit
    from dudao.planning.models import Plan, Visit
    from dudao.provisioning.services import organization_init

    rng = random.Random(args.seed)
    started = time.monotonic()
    gc.disable()  # millions of row tuples: the cycle collector would only slow generation down
    say("migrating")
    call_command("migrate", verbosity=0)

    stamp = time.strftime("%Y%m%d%H%M%S")
    prefix = f"b{stamp}_"
    result = organization_init(name=f"{ORG_PREFIX}{stamp}", pack="restaurant_chain",
                               admin_username=f"{prefix}admin", admin_password=PASSWORD)
    org, admin = result.organization, result.admin
    root = Unit.objects.get(organization=org, parent__isnull=True)
    org_id = org.pk
    now = timezone.now()
    today = timezone.localdate()
    this_month = today.replace(day=1)
    months = [add_months(this_month, -k) for k in reversed(range(args.months))]
    regions_count = args.regions or max(1, round(args.units / 100))
    say(f"organisation {org.name} (id {org_id}): {regions_count} regions, {args.units:,} stores, "
        f"{len(months)} months from {months[0]:%Y-%m}")

    password = make_password(PASSWORD)
    tz = timezone.get_current_timezone()

    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg cursor, for COPY
        # The rows are consistent by construction: skip the per-row foreign-key triggers (superuser
        # only, as on the throwaway cluster of bench/pg.sh; elsewhere the checks simply run).
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
            say("foreign-key triggers off for the load")
        except Exception:  # not a superuser: load with the checks
            say("not a superuser: foreign keys are checked row by row (slower)")

        # --- units -----------------------------------------------------------------------------
        say("units")
        first_unit = reserve_ids(cursor, Unit, regions_count + args.units)
        units = Table(Unit, ["id", "organization_id", "parent_id", "code", "name", "kind", "path", "depth"])
        region_ids = [first_unit + i for i in range(regions_count)]
        store_ids = [first_unit + regions_count + i for i in range(args.units)]
        store_region = [region_ids[i % regions_count] for i in range(args.units)]

        def unit_rows():
            for i, rid in enumerate(region_ids):
                yield (rid, org_id, root.pk, f"R{i + 1:03d}", f"第{i + 1}区", UnitKind.REGION, f"{root.path}{rid}/", 1)
            for i, sid in enumerate(store_ids):
                rid = store_region[i]
                yield (sid, org_id, rid, f"S{i + 1:05d}", f"门店{i + 1:05d}", UnitKind.STORE,
                       f"{root.path}{rid}/{sid}/", 2)

        units.copy(cursor, unit_rows(), label="org_unit", total=regions_count + args.units)

        # --- people and roles ----------------------------------------------------------------------
        say("people and roles")
        people_count = 3 + regions_count * 3 + args.units
        first_person = reserve_ids(cursor, Person, people_count)
        persons = Table(Person, ["id", "organization_id", "username", "display_name", "password", "email"])
        ops_id, hr_id, gm_id = first_person, first_person + 1, first_person + 2
        region_manager = {rid: first_person + 3 + 3 * i for i, rid in enumerate(region_ids)}
        supervisors = {rid: (first_person + 4 + 3 * i, first_person + 5 + 3 * i) for i, rid in enumerate(region_ids)}
        manager_of = {sid: first_person + 3 + 3 * regions_count + i for i, sid in enumerate(store_ids)}

        def person_rows():
            yield (ops_id, org_id, f"{prefix}ops", "运营经理", password, "")
            yield (hr_id, org_id, f"{prefix}hr", "人事", password, "")
            yield (gm_id, org_id, f"{prefix}gm", "总经理", password, "")
            for i, rid in enumerate(region_ids):
                yield (region_manager[rid], org_id, f"{prefix}rm{i + 1}", f"第{i + 1}区经理", password, "")
                for n, sup in enumerate(supervisors[rid]):
                    yield (sup, org_id, f"{prefix}sup{i + 1}_{n + 1}", f"第{i + 1}区督导{n + 1}", password, "")
            for i, sid in enumerate(store_ids):
                yield (manager_of[sid], org_id, f"{prefix}m{i + 1}", f"店长{i + 1:05d}", password, "")

        persons.copy(cursor, person_rows(), label="org_person", total=people_count)
        roles = Table(RoleAssignment, ["organization_id", "person_id", "role", "unit_id"])

        def role_rows():
            yield (org_id, ops_id, Role.OPS_MANAGER, root.pk)
            yield (org_id, hr_id, Role.HR, root.pk)
            yield (org_id, gm_id, Role.EXECUTIVE, root.pk)
            for rid in region_ids:
                yield (org_id, region_manager[rid], Role.REGION_MANAGER, rid)
                for sup in supervisors[rid]:
                    yield (org_id, sup, Role.SUPERVISOR, rid)
            for sid in store_ids:
                yield (org_id, manager_of[sid], Role.UNIT_MANAGER, sid)

        roles.copy(cursor, role_rows(), label="org_roleassignment")

        # --- the template ------------------------------------------------------------------------------
        template = Template.objects.create(organization=org, name="门店运营检查表", created_by=admin,
                                           status="published", published_at=now)
        section = Section.objects.create(template=template, title="运营", position=0)
        items = Item.objects.bulk_create([
            Item(template=template, section=section, position=n, code=f"I{n + 1:02d}", text=text, kind="check",
                 points=Decimal(5), severity=rng.choices([s for s, _ in SEVERITIES], [w for _, w in SEVERITIES])[0],
                 category=CATEGORIES[n % len(CATEGORIES)])
            for n, text in enumerate(ITEM_TEXTS)
        ])
        item_ids = [item.pk for item in items]
        item_info = {item.pk: (item.code, item.text, item.category, item.severity) for item in items}

        # --- plans ------------------------------------------------------------------------------
        say("plans")
        plan_count = regions_count * len(months)
        first_plan = reserve_ids(cursor, Plan, plan_count)
        plans = Table(Plan, ["id", "organization_id", "title", "kind", "period_start", "period_end", "scope_unit_id",
                             "status", "created_by_id", "published_at"])
        plan_of: dict[tuple[int, dt.date], int] = {}

        def plan_rows():
            pid = first_plan
            for month in months:
                end = month + dt.timedelta(days=days_in(month) - 1)
                for i, rid in enumerate(region_ids):
                    plan_of[(rid, month)] = pid
                    published = timezone.make_aware(dt.datetime.combine(month - dt.timedelta(days=3), dt.time(9)))
                    yield (pid, org_id, f"第{i + 1}区 {month:%Y-%m} 月度督导计划", "month", month, end, rid,
                           "published", ops_id, published)
                    pid += 1

        plans.copy(cursor, plan_rows(), label="planning_plan", total=plan_count)

        # --- visits, inspections, answers, findings ----------------------------------------------------------
        say("history: visits, inspections, answers, findings")
        quality = [min(97.0, max(60.0, rng.gauss(87, 5))) for _ in store_ids]
        per_month_visits = args.visits
        estimate = int(args.units * len(months) * per_month_visits * 1.1)
        first_visit = reserve_ids(cursor, Visit, estimate)
        first_inspection = reserve_ids(cursor, Inspection, estimate)
        first_answer = reserve_ids(cursor, Answer, estimate * 4)
        first_finding = reserve_ids(cursor, Finding, estimate * 4)
        visit_rows, inspection_rows, answer_rows, finding_rows = [], [], [], []
        last_finding_of: dict[tuple[int, int], dt.datetime] = {}
        vid, iid, aid, fid = first_visit, first_inspection, first_answer, first_finding
        lineage = str(template.lineage)
        # Month by month, as history accrues: a month's rows sit together in the tables, as in life.
        for month_index, month in enumerate(months):
            span = days_in(month)
            for index, sid in enumerate(store_ids):
                rid = store_region[index]
                supervisor = supervisors[rid][index % 2]
                manager = manager_of[sid]
                planned = poisson_like(rng, per_month_visits)
                if rng.random() < 0.1:
                    planned += 1  # one more planned than done: a missed visit
                for v in range(planned):
                    day = month + dt.timedelta(days=min(span - 1, int((v + rng.random()) * span / max(planned, 1))))
                    missed = v == planned - 1 and planned > per_month_visits and rng.random() < 0.9
                    performed = dt.datetime.combine(day, dt.time(9 + rng.randrange(9), rng.randrange(60)), tz)
                    if day > today or performed > now:
                        visit_rows.append((vid, org_id, plan_of[(rid, month)], sid, supervisor, day, "planned", None))
                        vid += 1
                        continue
                    if missed:
                        visit_rows.append((vid, org_id, plan_of[(rid, month)], sid, supervisor, day, "planned", None))
                        vid += 1
                        continue
                    visit_rows.append((vid, org_id, plan_of[(rid, month)], sid, supervisor, day, "done", performed))
                    score = round(min(100.0, max(35.0, rng.gauss(quality[index], 6))), 1)
                    fails = min(len(item_ids), poisson_like(rng, max(0.0, (100 - score) / 6.3)))
                    acknowledged = performed < now - dt.timedelta(days=2)
                    inspection_rows.append((
                        iid, org_id, sid, template.pk, vid, "on_site",
                        "acknowledged" if acknowledged else "submitted", supervisor, "", performed,
                        Decimal(str(score)), score >= 80, performed + dt.timedelta(minutes=50),
                        manager if acknowledged else None,
                        performed + dt.timedelta(hours=20) if acknowledged else None,
                        Decimal(str(score)), Decimal(100),
                    ))
                    for item_id in rng.sample(item_ids, fails):
                        code, text, category, severity = item_info[item_id]
                        severity = rng.choices([s for s, _ in SEVERITIES], [w for _, w in SEVERITIES])[0]
                        answer_rows.append((aid, iid, item_id, json.dumps("fail"), Decimal(0), Decimal(5), True,
                                            supervisor, performed, True))
                        due = performed.astimezone(tz).date() + dt.timedelta(days=DUE_DAYS[severity])
                        key = (sid, item_id)
                        previous = last_finding_of.get(key)
                        repeat = previous is not None and (performed - previous).days <= 90
                        last_finding_of[key] = performed
                        allowed = DUE_DAYS[severity]
                        closed_at = performed + dt.timedelta(days=rng.uniform(0.1, allowed * 1.2 + 0.3))
                        if closed_at > now or rng.random() < 0.03:
                            closed_at = None
                        status = "closed" if closed_at else rng.choice(["open", "planned", "submitted"])
                        finding_rows.append((
                            fid, org_id, sid, "inspection", iid, aid, item_id, lineage, code, text, category, severity,
                            status, manager, manager, due, due, supervisor, performed, closed_at,
                            supervisor if closed_at else None, repeat,
                        ))
                        aid += 1
                        fid += 1
                    iid += 1
                    vid += 1
            say(f"  generated {month:%Y-%m} ({month_index + 1}/{len(months)}): {len(inspection_rows):,} inspections, "
                f"{len(finding_rows):,} findings")

        visits = Table(Visit, ["id", "organization_id", "plan_id", "unit_id", "supervisor_id", "date", "status",
                               "done_at"])
        visits.copy(cursor, iter(visit_rows), label="planning_visit", total=len(visit_rows))
        inspections = Table(Inspection, [
            "id", "organization_id", "unit_id", "template_id", "visit_id", "mode", "status", "inspector_id",
            "request_fingerprint", "performed_at", "score", "passed", "submitted_at", "acknowledged_by_id",
            "acknowledged_at", "earned_points", "possible_points",
        ])
        inspections.copy(cursor, iter(inspection_rows), label="inspections_inspection", total=len(inspection_rows))
        answers = Table(Answer, ["id", "inspection_id", "item_id", "value", "earned", "possible", "failed",
                                 "answered_by_id", "answered_at", "is_current"])
        answers.copy(cursor, iter(answer_rows), label="inspections_answer", total=len(answer_rows))
        findings = Table(Finding, [
            "id", "organization_id", "unit_id", "source", "inspection_id", "answer_id", "item_id", "template_lineage",
            "item_code", "title", "category", "severity", "status", "responsible_person_id", "owner_id", "due_date",
            "policy_due_date", "created_by_id", "created_at", "closed_at", "closed_by_id", "repeat",
        ])
        findings.copy(cursor, iter(finding_rows), label="findings_finding", total=len(finding_rows))

    say("monthly rollups (the bulk load bypassed the services that keep them current)")
    from dudao.facts.rollups import rebuild

    rolled = rebuild(org_id)
    say(f"  {rolled['months']} months, {rolled['rows']:,} unit rows")
    say("analyze")
    with connection.cursor() as cursor:
        for model in (Unit, Person, RoleAssignment, Plan, Visit, Inspection, Answer, Finding, UnitMonth, ClosureCount,
                      OrganizationClosureCount):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    say(f"done in {time.monotonic() - started:.0f}s: organisation {org.name} id {org_id}; "
        f"{regions_count + args.units:,} units, {len(visit_rows):,} visits, {len(inspection_rows):,} inspections, "
        f"{len(answer_rows):,} failed answers, {len(finding_rows):,} findings")
    say(f"sign in as {prefix}admin / {PASSWORD}")


if __name__ == "__main__":
    main()
