"""Benchmark: a chain's first-day onboarding workbook (units and people) through the import engine.

    .venv/bin/python bench/onboarding.py [--stores 300] [--people 60]

Builds a throwaway organisation (SQLite in a temp dir, or the database of DATABASE_URL) and one
workbook with a 机构 sheet (regions and stores by parent code) and a 人员 sheet (people with their
roles), then times, through the import services, the dry run (every row checked, nothing written)
and the apply (everything written in one transaction), with the queries each took. Prints the
figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import io
import time

from throwaway import setup_throwaway_database, timed_import


def workbook(stores: int, people: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    units = book.active
    units.title = "机构"
    units.append(["编码", "名称", "类型", "上级编码"])
    regions = max(1, stores // 50)
    for r in range(1, regions + 1):
        units.append([f"R{r}", f"第{r}区", "区域", "ROOT"])
    for n in range(1, stores + 1):
        units.append([f"S{n:04d}", f"第{n}号店", "门店", f"R{(n - 1) % regions + 1}"])
    sheet = book.create_sheet("人员")
    sheet.append(["用户名", "姓名", "邮箱", "初始密码", "角色", "机构编码"])
    for p in range(1, people + 1):
        if p <= regions:
            row = [f"rm{p}", f"区域经理{p}", "", "Bench-onboard-2026", "区域经理", f"R{p}"]
        else:
            row = [f"mgr{p}", f"店长{p}", "", "Bench-onboard-2026", "店长/负责人", f"S{p:04d}"]
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=300)
    parser.add_argument("--people", type=int, default=60)
    args = parser.parse_args()

    setup_throwaway_database()
    from django.db import connection

    from dudao.imports import services
    from dudao.provisioning.services import organization_init

    stamp = str(int(time.time()))
    admin = organization_init(name=f"开业连锁{stamp}", pack="restaurant_chain", admin_username=f"onboard_{stamp}",
                              admin_password="Bench-admin-pass-1").admin
    content = workbook(args.stores, args.people)

    print(f"{connection.vendor}: {args.stores} stores and {args.people} people in one workbook")
    dry = timed_import("dry run", lambda: services.import_run_process(actor=admin, run=services.import_run_create(
        actor=admin, kind="units", content=content, filename="onboarding.xlsx", detect_onboarding=True)))
    applied = services.import_run_apply(actor=admin, run=dry)
    timed_import("apply", lambda: services.import_run_process(actor=admin, run=applied))


if __name__ == "__main__":
    main()
