"""The cadre report as an Excel workbook: one line per cadre, the figures, the suggestions with
their reasons and the final judgement, as on the page."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from dudao.core.spreadsheets import append_row

from .choices import Ability, Pay, Post


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def report_workbook(report, rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(f"{_('干部季度评估')}{_('（暂定）')}" if report.provisional else _("干部季度评估"))
    quarter = f"{report.quarter} {_('（暂定：季度尚未结束，数据截至起草当天）')}" if report.provisional else report.quarter
    append_row(sheet, [_("季度"), quarter, _("范围"), report.scope_unit.name, _("状态"),
                       report.get_status_display()])
    append_row(sheet, [_("干部"), _("用户名"), _("门店"), _("检查平均分"), _("按时整改率%"), _("评估未通过月数"),
                       _("重点整改月数"), _("考核得分"), _("本季旷工"), _("本年处罚"), _("培训出勤率%"),
                       _("建议能力评级"), _("建议职务调整"), _("建议薪资调整"), _("建议理由"),
                       _("能力评级"), _("职务调整"), _("薪资调整"), _("评语及培养措施")])
    for row in rows:
        figures = row.figures
        reasons = "；".join(str(r) for key in ("ability", "post", "pay") for r in row.reasons.get(key, []))
        append_row(sheet, [
            row.person.display_name, row.person.username, "、".join(u["name"] for u in row.units),
            figures.get("inspection_average"), figures.get("on_time_rate"), figures.get("failed_months"),
            figures.get("key_target_months"),
            "、".join(f"{a['period']} {a['score']}" for a in figures.get("appraisals", [])),
            figures.get("discipline", {}).get("quarter_absences"), figures.get("discipline", {}).get("penalties"),
            figures.get("training", {}).get("rate"),
            _label(Ability, row.suggested_ability), _label(Post, row.suggested_post), _label(Pay, row.suggested_pay),
            reasons, _label(Ability, row.ability), _label(Post, row.post), _label(Pay, row.pay), row.comment,
        ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
