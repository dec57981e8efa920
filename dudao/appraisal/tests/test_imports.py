"""The four appraisal import kinds through the one engine: templates, Chinese headers, numbers as
people type them, bad rows named and nothing changed, re-imports replacing, bulk lookups."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.appraisal.models import Attendance, BonusBase, KpiValue, Target
from dudao.core.models import AuditEvent
from dudao.imports import selectors as import_selectors
from dudao.imports import services as import_services
from dudao.imports.tests.files import csv_bytes, read_xlsx, xlsx

pytestmark = pytest.mark.django_db

KPI_HEADERS = ["用户名", "门店编码", "指标代码", "期间", "实际值", "来源"]


def run_import(world, kind, content, filename="data.xlsx", *, dry_run=False, actor="admin"):
    actor = world.person(actor)
    run = import_services.import_run_create(actor=actor, kind=kind, content=content, filename=filename,
                                            dry_run=dry_run)
    return import_services.import_run_start(actor=actor, run=run)


def state():
    return (
        sorted(KpiValue.objects.values_list("person_id", "unit_id", "kpi_code", "period", "value", "source")),
        sorted(Target.objects.values_list("person_id", "unit_id", "kpi_code", "period", "value", "status")),
        Attendance.objects.count(), BonusBase.objects.count(),
        AuditEvent.objects.exclude(action__startswith="import.").count(),
    )


TEMPLATE_ROWS = {
    "kpi_values": {"username": "supervisor", "kpi_code": "qsc", "period": "2026-01", "value": "88", "source": "POS"},
    "targets": {"unit_code": "S1", "kpi_code": "qsc", "period": "2099-01", "value": "90"},
    "attendance": {"username": "supervisor", "month": "2026-01", "days_worked": "22", "personal_leave_days": "1",
                   "late": "0", "early_leave": "0", "absence": "0"},
    "bonus_bases": {"username": "supervisor", "period": "2026-01", "base": "5,000"},
}


@pytest.mark.parametrize("kind", list(TEMPLATE_ROWS))
def test_every_kinds_template_has_chinese_headers_and_imports_once_filled(world, kind):
    from dudao.imports.registry import kind_for, zh

    template = read_xlsx(import_selectors.template_workbook(world.person("admin"), kind).content)
    sheet = next(name for name in template if name != "说明")
    headers = [h for h in template[sheet][0] if h]
    assert headers and all(any("\u4e00" <= ch <= "\u9fff" for ch in str(h)) for h in headers)
    by_label = {zh(f.label): f.code for f in kind_for(kind).fields}
    row = [TEMPLATE_ROWS[kind].get(by_label[str(h).replace("*", "").strip()], "") for h in headers]
    run = run_import(world, kind, xlsx({sheet: [headers, row]}))
    assert (run.status, run.created) == ("applied", 1), run.errors


def test_kpi_values_import_with_chinese_headers_separators_and_percent(world):
    content = xlsx({"KPI 数值": [KPI_HEADERS,
                                ["supervisor", "", "target_completion", "2026-01", "1,234,567.5", "POS"],
                                ["", "S1", "satisfaction", "2026-q1", "95%", "问卷"]]})
    run = run_import(world, "kpi_values", content)
    assert run.status == "applied", run.errors
    assert run.created == 2
    person_value = KpiValue.objects.get(person=world.person("supervisor"))
    assert person_value.value == Decimal("1234567.5") and person_value.scope_unit_id == world.units["east"].pk
    assert person_value.import_run_id == run.pk
    unit_value = KpiValue.objects.get(unit=world.units["store1"])
    assert (unit_value.value, unit_value.period, unit_value.source) == (Decimal(95), "2026-Q1", "问卷")
    assert AuditEvent.objects.filter(action="kpi_value.create").count() == 2


def test_reimport_of_the_same_source_replaces_the_value_and_audits_before_and_after(world):
    rows = [KPI_HEADERS, ["", "S1", "target_completion", "2026-01", "100", "POS"]]
    run_import(world, "kpi_values", xlsx({"KPI 数值": rows}))
    rows[1][4] = "120"
    run = run_import(world, "kpi_values", csv_bytes(rows), "again.csv")
    assert (run.status, run.created, run.updated) == ("applied", 0, 1)
    assert KpiValue.objects.get().value == 120
    event = AuditEvent.objects.get(action="kpi_value.update")
    assert event.before["value"] == "100.0000" and event.after["value"] == "120.0000"
    unchanged = run_import(world, "kpi_values", csv_bytes(rows), "same.csv")
    assert (unchanged.created, unchanged.updated) == (0, 0)


def test_bad_rows_name_row_and_field_and_change_nothing(world):
    run_import(world, "kpi_values", xlsx({"KPI 数值": [KPI_HEADERS, ["", "S1", "qsc", "2026-01", "80", "POS"]]}))
    before = state()
    rows = [KPI_HEADERS,
            ["", "S2", "qsc", "2026-01", "81", "POS"],                 # good
            ["", "S1", "sales_volume", "2026-01", "1", "POS"],         # unknown KPI code
            ["nobody", "", "qsc", "2026-01", "1", "POS"],              # unknown person
            ["", "S1", "qsc", "2026-13", "1", "POS"],                  # bad period
            ["", "S1", "qsc", "2026-02", "八十", "POS"],               # bad number
            ["supervisor", "S1", "qsc", "2026-02", "1", "POS"],        # both subjects
            ["", "S2", "qsc", "2026-01", "82", "POS"]]                 # duplicate of row 2
    run = run_import(world, "kpi_values", xlsx({"KPI 数值": rows}))
    assert run.status == "failed"
    errors = {(e["row"], e["field"]): e["message"] for e in run.errors}
    assert set(errors) == {(3, "kpi_code"), (4, "username"), (5, "period"), (6, "value"), (7, "unit_code"),
                           (8, "kpi_code")}
    assert "sales_volume" in errors[(3, "kpi_code")] and "第 2 行" in errors[(8, "kpi_code")]
    assert state() == before


def test_kpi_plan_queries_do_not_grow_with_rows(world):
    def queries(count):
        rows = [KPI_HEADERS] + [["", code, "qsc", "2026-01", str(n), "POS"]
                                for n, code in enumerate(["S1", "S2", "S3"][:count])]
        rows += [["supervisor", "", "qsc", f"2026-{m:02d}", "5", "POS"] for m in range(1, count + 1)]
        with CaptureQueriesContext(connection) as ctx:
            run = run_import(world, "kpi_values", xlsx({"KPI 数值": rows}), dry_run=True)
        assert run.status == "validated", run.errors
        return len(ctx)

    queries(1)  # the policy is read and cached once per process
    assert queries(1) == queries(3) == 20


def test_attendance_and_bonus_bases_import_and_reimport(world):
    attendance = xlsx({"考勤": [["工号", "月份", "出勤天数", "事假天数", "迟到", "早退", "旷工"],
                                ["supervisor", "2026-01", "20", "4.5", "1", "", "0"]]})
    run = run_import(world, "attendance", attendance)
    assert run.status == "applied", run.errors
    record = Attendance.objects.get()
    assert (record.month, record.days_worked, record.personal_leave_days, record.late, record.early_leave) == (
        dt.date(2026, 1, 1), Decimal(20), Decimal("4.5"), 1, 0)
    bases = xlsx({"奖金基数": [["用户名", "期间", "奖金基数"], ["supervisor", "2026-01", "¥12,000.50"]]})
    assert run_import(world, "bonus_bases", bases).status == "applied"
    assert BonusBase.objects.get().base == Decimal("12000.50")
    bad = run_import(world, "bonus_bases", xlsx({"奖金基数": [["用户名", "期间", "基数"],
                                                             ["supervisor", "2026-01", "1.234"]]}))
    assert bad.status == "failed" and bad.errors[0]["field"] == "base"
    assert BonusBase.objects.get().base == Decimal("12000.50")


@pytest.mark.parametrize("kind", ["kpi_values", "targets", "attendance", "bonus_bases"])
def test_export_reimports_with_nothing_changed(world, kind):
    files = {
        "kpi_values": [KPI_HEADERS, ["", "S1", "qsc", "2026-01", "80.5", "POS"]],
        "targets": [["用户名", "机构编码", "指标代码", "期间", "目标值"], ["", "S1", "qsc", "2099-01", "90"]],
        "attendance": [["用户名", "月份", "出勤天数"], ["supervisor", "2026-01", "21"]],
        "bonus_bases": [["用户名", "期间", "奖金基数"], ["supervisor", "2026-Q1", "3000"]],
    }
    assert run_import(world, kind, xlsx({"data": files[kind]})).status == "applied"
    exported = import_selectors.export_workbook(world.person("admin"), kind).content
    again = run_import(world, kind, exported, "export.xlsx")
    assert again.status == "applied", again.errors
    assert (again.created, again.updated) == (0, 0)


def test_a_kpi_may_be_named_as_the_scheme_names_it(world):
    run = run_import(world, "kpi_values", xlsx({"KPI 数值": [
        ["门店编码", "指标", "月份", "金额", "数据来源"],
        ["S1", "销售额指标完成率", "2026-01", "123,456", "POS系统"],
        ["S1", "不存在的指标", "2026-01", "1", "POS系统"],
    ]}))
    assert run.status == "failed"
    assert [(e["row"], e["field"]) for e in run.errors] == [(3, "kpi_code")], run.errors
    run = run_import(world, "kpi_values", xlsx({"KPI 数值": [
        ["门店编码", "指标", "月份", "金额", "数据来源"], ["S1", "销售额指标完成率", "2026-01", "123,456", "POS系统"]]}))
    assert run.status == "applied", run.errors
    assert KpiValue.objects.get(kpi_code="target_completion").value == Decimal("123456")
