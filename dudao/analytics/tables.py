"""The dashboard's and the evaluation page's tables, defined once: the page shows them and the
Excel export writes them, so what people read and what they download never differ."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from dudao.facts.figures import percent, round1
from dudao.org.choices import UnitKind
from dudao.policies.choices import Severity

from .breakdowns import SEVERITIES, Dashboard
from .choices import ExportTable

TEXT, COUNT, PERCENT, SCORE, DAYS, NUMBER, FLAG = "text", "count", "percent", "score", "days", "number", "flag"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT
    export_only: bool = False  # in the Excel file, left off the page where the row colour says it


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict]
    highlight: str = ""  # a row key whose truthy value marks the row (key rectification targets)
    extra: dict = field(default_factory=dict)

    @property
    def page_columns(self) -> list[Column]:
        return [c for c in self.columns if not c.export_only]

    def display_rows(self, limit: int | None = None, *, last: int | None = None) -> list[dict]:
        """Rows as the page shows them (the first `limit`, or the `last` few): each cell's label (for
        phones), text and kind."""
        rows = self.rows if limit is None else self.rows[:limit]
        if last is not None:
            rows = self.rows[-last:]
        return [
            {"highlight": bool(self.highlight and row.get(self.highlight)),
             "cells": [{"label": c.label, "text": display(row.get(c.key), c.kind), "kind": c.kind,
                        "url": row.get(f"{c.key}_url", "")} for c in self.page_columns]}
            for row in rows
        ]


def display(value, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == PERCENT:
        return f"{value}%"
    if kind == FLAG:
        return _("是") if value else _("否")
    return str(value)


def excel_value(value, kind: str):
    """The cell value written to Excel: numbers stay numbers (percentages as their figure)."""
    if value is None:
        return None
    if kind == FLAG:
        return _("是") if value else _("否")
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Promise):
        return str(value)
    return value


# --- the dashboard's tables ------------------------------------------------------------------------
def summary_table(d: Dashboard) -> Table:
    s, cov = d.summary, d.summary["coverage"]
    rows = [
        {"figure": _("检查次数"), "value": s["inspections"]},
        {"figure": _("平均得分"), "value": s["average_score"]},
        {"figure": _("问题数"), "value": s["findings"]},
        *({"figure": _("问题数(%(severity)s)") % {"severity": Severity(sev).label},
           "value": s["findings_by_severity"].get(sev, 0)} for sev in SEVERITIES),
        {"figure": _("按时整改率(%)"), "value": s["on_time_closure_rate"]},
        {"figure": _("整改关闭天数中位数"), "value": s["median_closure_days"]},
        {"figure": _("重复问题率(%)"), "value": s["repeat_rate"]},
        {"figure": _("计划走访数"), "value": cov["visits_planned"]},
        {"figure": _("完成走访数"), "value": cov["visits_done"]},
        {"figure": _("计划完成率(%)"), "value": cov["visit_rate"]},
        {"figure": _("机构数"), "value": cov["units"]},
        {"figure": _("已检查机构数"), "value": cov["units_inspected"]},
        {"figure": _("机构覆盖率(%)"), "value": cov["unit_rate"]},
    ]
    return Table(ExportTable.SUMMARY, _("总体指标"), [Column("figure", _("指标")), Column("value", _("数值"), NUMBER)],
                 rows)


def trend_table(d: Dashboard) -> Table:
    return Table(ExportTable.TREND, _("月度趋势"), [
        Column("month", _("月份")), Column("inspections", _("检查次数"), COUNT),
        Column("average_score", _("平均得分"), SCORE), Column("findings", _("问题数"), COUNT),
        Column("on_time_closure_rate", _("按时整改率"), PERCENT), Column("repeat_rate", _("重复问题率"), PERCENT),
    ], list(reversed(d.trend)))


def _group_label(d: Dashboard) -> str:
    return _("区域") if d.group_kind == UnitKind.REGION else _("下级机构")


def coverage_table(d: Dashboard) -> Table:
    return Table(ExportTable.COVERAGE, _("计划覆盖"), [
        Column("name", _group_label(d)), Column("planned", _("计划走访"), COUNT), Column("done", _("已完成"), COUNT),
        Column("visit_rate", _("完成率"), PERCENT), Column("inspections", _("检查次数"), COUNT),
    ], d.groups)


def region_table(d: Dashboard) -> Table:
    return Table(ExportTable.REGION, _("分区域问题"), [
        Column("name", _group_label(d)), Column("findings", _("问题数"), COUNT),
        *(Column(sev, Severity(sev).label, COUNT) for sev in SEVERITIES),
        Column("repeat_rate", _("重复问题率"), PERCENT), Column("on_time_closure_rate", _("按时整改率"), PERCENT),
        Column("average_score", _("平均得分"), SCORE),
    ], d.groups)


def severity_table(d: Dashboard) -> Table:
    total = sum(d.summary["findings_by_severity"].values())
    rows = [{"severity": Severity(sev).label, "count": d.summary["findings_by_severity"].get(sev, 0),
             "share": percent(d.summary["findings_by_severity"].get(sev, 0), total)} for sev in SEVERITIES]
    return Table(ExportTable.SEVERITY, _("问题严重程度"), [
        Column("severity", _("严重程度")), Column("count", _("问题数"), COUNT), Column("share", _("占比"), PERCENT),
    ], rows)


def category_table(d: Dashboard) -> Table:
    total = sum(row["count"] for row in d.categories)
    rows = [{**row, "share": percent(row["count"], total)} for row in d.categories]
    return Table(ExportTable.CATEGORY, _("问题类别"), [
        Column("label", _("类别")), Column("count", _("问题数"), COUNT), Column("share", _("占比"), PERCENT),
    ], rows)


def ranking_table(d: Dashboard) -> Table:
    return Table(ExportTable.RANKING, _("机构排名"), [
        Column("rank", _("排名"), COUNT), Column("code", _("编码")), Column("name", _("机构")),
        Column("group", _group_label(d)), Column("inspections", _("检查次数"), COUNT),
        Column("average_score", _("平均得分"), SCORE), Column("findings", _("问题数"), COUNT),
        Column("on_time_closure_rate", _("按时整改率"), PERCENT),
    ], d.ranking)


def supervisors_table(d: Dashboard) -> Table:
    return Table(ExportTable.SUPERVISORS, _("督导工作量"), [
        Column("name", _("督导")), Column("planned", _("计划走访"), COUNT), Column("done", _("已完成"), COUNT),
        Column("visit_rate", _("完成率"), PERCENT), Column("inspections", _("检查次数"), COUNT),
        Column("findings", _("发现问题"), COUNT), Column("findings_per_inspection", _("每次检查问题数"), NUMBER),
        Column("closed", _("已关闭"), COUNT), Column("closure_rate", _("关闭率"), PERCENT),
    ], d.supervisors)


DASHBOARD_TABLES = {
    ExportTable.SUMMARY: summary_table,
    ExportTable.TREND: trend_table,
    ExportTable.COVERAGE: coverage_table,
    ExportTable.SEVERITY: severity_table,
    ExportTable.CATEGORY: category_table,
    ExportTable.REGION: region_table,
    ExportTable.RANKING: ranking_table,
    ExportTable.SUPERVISORS: supervisors_table,
}


# --- the evaluation page's table -----------------------------------------------------------------
def evaluations_table(evaluations, month) -> Table:
    """One row per unit evaluation (an iterable of UnitEvaluation with unit, region and case loaded)."""
    rows = []
    provisional = False
    for e in evaluations:
        provisional = provisional or e.provisional
        rows.append({
            "rank": e.rank, "code": e.unit.code, "name": e.unit.name,
            "region": e.region.name if e.region_id else "", "region_rank": e.region_rank,
            "score": e.score, "inspection_average": round1(e.inspection_average), "inspection_count": e.inspection_count,
            "on_time_rate": e.on_time_rate, "coverage_rate": e.coverage_rate, "passed": e.passed,
            "consecutive_failures": e.consecutive_failures, "key_target": e.key_target,
            "key_target_deadline": e.key_target_deadline.isoformat() if e.key_target_deadline else None,
            "review_case": _("评议 #%(id)s") % {"id": e.review_case_id} if e.review_case_id else None,
            "review_case_id": e.review_case_id, "provisional": e.provisional,
        })
    title = (_("%(month)s 月度综合评估(暂定,本月尚未结束)") if provisional else _("%(month)s 月度综合评估")) % {
        "month": f"{month:%Y-%m}"}
    return Table(ExportTable.EVALUATIONS, title, [
        Column("rank", _("总排名"), COUNT), Column("code", _("编码")), Column("name", _("机构")),
        Column("region", _("区域")), Column("region_rank", _("区域排名"), COUNT),
        Column("score", _("综合得分"), SCORE), Column("inspection_average", _("检查平均分"), SCORE),
        Column("inspection_count", _("检查次数"), COUNT, export_only=True),
        Column("on_time_rate", _("按时整改率"), PERCENT), Column("coverage_rate", _("督导覆盖率"), PERCENT),
        Column("passed", _("通过"), FLAG), Column("consecutive_failures", _("连续未通过"), COUNT),
        Column("key_target", _("重点整改对象"), FLAG, export_only=True),
        Column("key_target_deadline", _("整改期限")), Column("review_case", _("管理评议")),
        Column("provisional", _("暂定"), FLAG, export_only=True),
    ], rows, highlight="key_target", extra={"provisional": provisional})
