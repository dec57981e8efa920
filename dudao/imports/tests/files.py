"""Real import files for tests: xlsx workbooks and CSV in the encodings Excel writes."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

UNIT_HEADERS = ["机构编码", "机构名称", "机构类型", "上级机构编码"]
PEOPLE_HEADERS = ["用户名", "姓名", "邮箱", "初始密码", "角色", "机构编码"]
PASSWORD = "Kai-Ye-2026-pass"


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def read_xlsx(content: bytes) -> dict[str, list[list]]:
    workbook = load_workbook(io.BytesIO(content))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in workbook.worksheets}


def chain(stores: int = 300, people: int = 60) -> tuple[list[list], list[list]]:
    """A chain's onboarding: 5 regions (children listed before their region), `stores` stores, and
    `people` people: a supervisor per region, store managers, one person with two roles."""
    units = [UNIT_HEADERS]
    for n in range(stores):
        units.append([f"ST{n:03d}", f"门店{n:03d}", "门店", f"RG{n % 5}"])
    for r in range(5):
        units.append([f"RG{r}", f"区域{r}", "区域", "ROOT"])
    rows = [PEOPLE_HEADERS]
    for p in range(people):
        if p < 5:
            role, unit = "督导", f"RG{p}"
        else:
            role, unit = "店长/负责人", f"ST{p:03d}"
        rows.append([f"user{p:02d}", f"员工{p:02d}", f"user{p:02d}@example.com", PASSWORD if p % 2 == 0 else "",
                     role, unit])
    rows.append(["user00", "员工00", "user00@example.com", "", "region_manager", "RG0"])
    return units, rows
