"""Benchmark: 100,000 KPI figures (kpi_values) through the import engine.

    .venv/bin/python bench/appraisal.py [--stores 1000] [--months 20] [--format csv|xlsx]

Builds a throwaway organisation (SQLite in a temp dir, or the database of DATABASE_URL) with
`--stores` stores (an onboarding import), then one file of stores x 5 KPIs x months figures
(100,000 rows by default) with Chinese headers, and times, through the import services, the dry
run (every row checked, nothing written) and the apply (every figure and its audit event written
in one transaction), then a re-import of the same file from a second source (every figure
cross-checked, none beyond the tolerance). Prints the figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import csv
import io
import time

from throwaway import setup_throwaway_database, timed_import

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--months", type=int, default=20)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    args = parser.parse_args()

    setup_throwaway_database()
    from django.db import connection

    from dudao.appraisal.models import KpiValue
    from dudao.imports import services
    from dudao.provisioning.services import organization_init

    stamp = str(int(time.time()))
    admin = organization_init(name=f"考核连锁{stamp}", pack="restaurant_chain", admin_username=f"kpi_{stamp}",
                              admin_password="Bench-admin-pass-1").admin
    setup = services.import_run_create(actor=admin, kind="units", content=onboarding(args.stores),
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


if __name__ == "__main__":
    main()
