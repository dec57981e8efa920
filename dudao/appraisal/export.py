"""The KPI-value list as an Excel workbook: the same rows and filters as the page, all at once."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from dudao.core.spreadsheets import append_row

from . import selectors

CHUNK = 1000


def kpi_values_workbook(actor, filters: dict) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("指标数值"))
    append_row(sheet, [_("对象"), _("用户名/机构编码"), _("指标代码"), _("期间"), _("数值"), _("来源"),
                       _("已核实"), _("差异"), _("其他来源"), _("数据核查问题")])
    names = selectors.kpi_codes(actor.organization_id)
    queryset = selectors.kpi_values(actor, **filters)
    yes, no = _("是"), _("否")
    for start in range(0, queryset.count(), CHUNK):
        chunk = list(queryset[start:start + CHUNK])
        selectors.cross_check(chunk)
        for value in chunk:
            subject = value.person if value.person_id else value.unit
            append_row(sheet, [
                subject.display_name if value.person_id else subject.name,
                subject.username if value.person_id else subject.code,
                f"{value.kpi_code} {names.get(value.kpi_code, '')}".strip(), value.period, value.value, value.source,
                yes if value.verified else no,
                f"{value.discrepancy * 100:.1f}%" if value.discrepancy is not None else "",
                "; ".join(value.others), value.finding_id or "",
            ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
