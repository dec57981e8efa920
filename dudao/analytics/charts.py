"""ECharts options for the dashboard, built from the breakdowns as plain JSON.

The page carries each option in a `<script type="application/json">` block (CSP allows no inline
script) and static/analytics/dashboard.js hands it to ECharts, so no formatter functions here.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from dudao.policies.choices import Severity

from .breakdowns import SEVERITIES, Dashboard

PALETTE = ["#1d4ed8", "#15803d", "#d97706", "#b91c1c", "#0e7490", "#7c3aed", "#64748b"]
SEVERITY_COLOURS = {"critical": "#b91c1c", "high": "#d97706", "medium": "#1d4ed8", "low": "#94a3b8"}
MANY = 12


def _num(value):
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def _base(**option) -> dict:
    return {
        "animation": False,
        "color": PALETTE,
        "tooltip": {"trigger": "axis", "confine": True},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 8, "right": 8, "top": 40, "bottom": 8, "containLabel": True},
        **option,
    }


def _category_axis(names: list[str]) -> dict:
    axis = {"type": "category", "data": names, "axisLabel": {"interval": 0, "hideOverlap": True}}
    if len(names) > 6:
        axis["axisLabel"]["rotate"] = 40
    return axis


def _zoom(count: int) -> list:
    if count <= MANY:
        return []
    return [{"type": "inside", "startValue": 0, "endValue": MANY - 1}, {"type": "slider", "height": 16, "bottom": 0}]


def coverage_chart(d: Dashboard) -> dict:
    names = [g["name"] for g in d.groups]
    option = _base(
        xAxis=_category_axis(names),
        yAxis=[{"type": "value", "minInterval": 1},
               {"type": "value", "max": 100, "min": 0, "splitLine": {"show": False},
                "axisLabel": {"formatter": "{value}%"}}],
        series=[
            {"type": "bar", "name": _("计划走访"), "data": [g["planned"] for g in d.groups]},
            {"type": "bar", "name": _("已完成"), "data": [g["done"] for g in d.groups]},
            {"type": "line", "name": _("完成率"), "yAxisIndex": 1, "data": [_num(g["visit_rate"]) for g in d.groups]},
        ],
        dataZoom=_zoom(len(names)),
    )
    return option


def trend_chart(d: Dashboard) -> dict:
    return _base(
        xAxis={"type": "category", "data": [m["month"] for m in d.trend]},
        yAxis=[{"type": "value", "scale": True, "max": 100},
               {"type": "value", "minInterval": 1, "splitLine": {"show": False}}],
        series=[
            {"type": "line", "name": _("平均得分"), "data": [_num(m["average_score"]) for m in d.trend],
             "connectNulls": True},
            {"type": "line", "name": _("按时整改率"), "data": [_num(m["on_time_closure_rate"]) for m in d.trend],
             "connectNulls": True},
            {"type": "bar", "name": _("检查次数"), "yAxisIndex": 1, "data": [m["inspections"] for m in d.trend],
             "itemStyle": {"opacity": 0.35}},
        ],
    )


def severity_chart(d: Dashboard) -> dict:
    by = d.summary["findings_by_severity"]
    return {
        "animation": False,
        "tooltip": {"trigger": "item", "confine": True},
        "legend": {"bottom": 0},
        "series": [{
            "type": "pie", "radius": ["36%", "60%"], "center": ["50%", "45%"],
            "label": {"formatter": "{b}: {c}", "overflow": "none"},
            "data": [{"name": str(Severity(sev).label), "value": by.get(sev, 0),
                      "itemStyle": {"color": SEVERITY_COLOURS[sev]}} for sev in SEVERITIES],
        }],
    }


def category_chart(d: Dashboard) -> dict:
    rows = list(reversed(d.categories[:10]))
    return _base(
        tooltip={"trigger": "axis", "axisPointer": {"type": "shadow"}, "confine": True},
        legend={"show": False},
        grid={"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": True},
        xAxis={"type": "value", "minInterval": 1},
        yAxis={"type": "category", "data": [r["label"] for r in rows]},
        series=[{"type": "bar", "name": _("问题数"), "data": [r["count"] for r in rows],
                 "label": {"show": True, "position": "right"}}],
    )


def region_chart(d: Dashboard) -> dict:
    names = [g["name"] for g in d.groups]
    return _base(
        tooltip={"trigger": "axis", "axisPointer": {"type": "shadow"}, "confine": True},
        xAxis=_category_axis(names),
        yAxis={"type": "value", "minInterval": 1},
        series=[{"type": "bar", "stack": "severity", "name": str(Severity(sev).label),
                 "itemStyle": {"color": SEVERITY_COLOURS[sev]}, "data": [g.get(sev, 0) for g in d.groups]}
                for sev in SEVERITIES],
        dataZoom=_zoom(len(names)),
    )


def supervisors_chart(d: Dashboard) -> dict:
    rows = d.supervisors[:20]
    names = [r["name"] for r in rows]
    return _base(
        xAxis=_category_axis(names),
        yAxis={"type": "value", "minInterval": 1},
        series=[
            {"type": "bar", "name": _("计划走访"), "data": [r["planned"] for r in rows]},
            {"type": "bar", "name": _("已完成"), "data": [r["done"] for r in rows]},
            {"type": "bar", "name": _("检查次数"), "data": [r["inspections"] for r in rows]},
            {"type": "bar", "name": _("发现问题"), "data": [r["findings"] for r in rows]},
        ],
        dataZoom=_zoom(len(names)),
    )


def dashboard_charts(d: Dashboard) -> dict[str, dict]:
    return {
        "coverage": coverage_chart(d),
        "trend": trend_chart(d),
        "severity": severity_chart(d),
        "category": category_chart(d),
        "region": region_chart(d),
        "supervisors": supervisors_chart(d),
    }
