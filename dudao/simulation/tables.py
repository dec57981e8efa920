"""The simulation's result as people read it: per-unit, per-person, per-inspection and per-finding
rows with before and after side by side (the page), and one flat table of every change (Excel)."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dudao.analytics.tables import NUMBER, TEXT, Column, Table
from dudao.core import numbers

from .replay import FINDING, INSPECTION, PERSON, UNIT

METRIC_LABELS = {
    "score": gettext_lazy("检查得分"),
    "passed": gettext_lazy("检查合格"),
    "inspections_failed": gettext_lazy("不合格检查数"),
    "due_date": gettext_lazy("整改期限"),
    "overdue": gettext_lazy("期末逾期"),
    "evaluation_score": gettext_lazy("综合得分"),
    "evaluation_passed": gettext_lazy("综合评估通过"),
    "rank": gettext_lazy("总排名"),
    "region_rank": gettext_lazy("区域排名"),
    "consecutive_failures": gettext_lazy("连续未通过月数"),
    "key_target": gettext_lazy("重点整改对象"),
    "review_due": gettext_lazy("应发起管理评议"),
    "appraisal_score": gettext_lazy("考核得分"),
    "bonus_factor": gettext_lazy("奖金系数"),
    "bonus_amount": gettext_lazy("奖金"),
}
SUBJECT_LABELS = {UNIT: gettext_lazy("机构"), PERSON: gettext_lazy("人员"), INSPECTION: gettext_lazy("检查"),
                  FINDING: gettext_lazy("问题")}
MONEY_METRICS = {"bonus_amount"}

UNIT_METRICS = ("evaluation_score", "evaluation_passed", "rank", "region_rank", "key_target", "review_due",
                "inspections_failed")
PERSON_METRICS = ("appraisal_score", "bonus_factor", "bonus_amount")
INSPECTION_METRICS = ("score", "passed")
FINDING_METRICS = ("due_date", "overdue")


def shown(value, metric: str = "") -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if metric in MONEY_METRICS:
        return numbers.money(value)
    if isinstance(value, int | float):
        return numbers.grouped(numbers.as_decimal(value))
    return str(value)


def grouped_rows(changes: list[dict], subject_type: str, metrics: tuple[str, ...]) -> list[dict]:
    """One row per subject (and month) with a cell per metric: {before, after, changed}."""
    rows: dict[tuple, dict] = {}
    for change in changes:
        if change["subject_type"] != subject_type:
            continue
        key = (change["subject_id"], change.get("month") or "")
        row = rows.setdefault(key, {"id": change["subject_id"], "name": change["subject_name"],
                                    "month": change.get("month") or "", "values": {}})
        row["values"][change["metric"]] = change
    result = []
    for row in rows.values():
        cells = []
        for metric in metrics:
            change = row["values"].get(metric)
            cells.append({"metric": metric, "label": METRIC_LABELS[metric], "changed": change is not None,
                          "before": shown(change["before"], metric) if change else "",
                          "after": shown(change["after"], metric) if change else ""})
        key_target = row["values"].get("key_target")
        row["appears"] = bool(key_target and key_target["after"])
        row["disappears"] = bool(key_target and key_target["before"])
        amount = row["values"].get("bonus_amount")
        row["bonus_difference"] = (None if not amount or amount["before"] is None or amount["after"] is None
                                   else amount["after"] - amount["before"])
        row["cells"] = cells
        result.append(row)
    return result


def setting(value) -> str:
    """A policy value as the page shows it: lists and objects as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return shown(value)


def page_tables(result: dict) -> dict:
    changes = result["changes"]
    return {
        "policy_changes": [{"key": c["key"], "before": setting(c["before"]), "after": setting(c["after"])}
                           for c in result["summary"]["policy_changes"]],
        "units": grouped_rows(changes, UNIT, UNIT_METRICS),
        "people": grouped_rows(changes, PERSON, PERSON_METRICS),
        "inspections": grouped_rows(changes, INSPECTION, INSPECTION_METRICS),
        "findings": grouped_rows(changes, FINDING, FINDING_METRICS),
        "unit_metrics": [METRIC_LABELS[m] for m in UNIT_METRICS],
        "person_metrics": [METRIC_LABELS[m] for m in PERSON_METRICS],
        "inspection_metrics": [METRIC_LABELS[m] for m in INSPECTION_METRICS],
        "finding_metrics": [METRIC_LABELS[m] for m in FINDING_METRICS],
    }


def changes_table(result: dict) -> Table:
    """Every change as one row (the Excel download)."""
    rows = [{
        "subject_type": str(SUBJECT_LABELS[c["subject_type"]]), "subject_id": c["subject_id"],
        "subject_name": c["subject_name"], "month": c.get("month") or "",
        "metric": str(METRIC_LABELS.get(c["metric"], c["metric"])),
        "before": shown(c["before"], c["metric"]) if isinstance(c["before"], bool | str) or c["before"] is None
        else c["before"],
        "after": shown(c["after"], c["metric"]) if isinstance(c["after"], bool | str) or c["after"] is None
        else c["after"],
    } for c in result["changes"]]
    return Table("simulation", _("制度模拟结果"), [
        Column("subject_type", _("对象类型")), Column("subject_id", _("编号"), NUMBER),
        Column("subject_name", _("名称")), Column("month", _("期间")), Column("metric", _("指标")),
        Column("before", _("现行制度"), TEXT), Column("after", _("草案"), TEXT),
    ], rows)
