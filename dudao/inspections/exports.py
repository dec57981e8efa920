"""The inspection list as an Excel workbook (openpyxl), headers in the reader's language."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dudao.core.spreadsheets import append_row

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def _local(value):
    """openpyxl stores naive datetimes: the local wall-clock time is what people expect to read."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _columns() -> list[tuple[str, int]]:
    return [
        (_("编号"), 8), (_("机构编码"), 10), (_("机构"), 18), (_("区域"), 12), (_("检查标准"), 24),
        (_("版本"), 6), (_("督导"), 12), (_("方式"), 8), (_("检查时间"), 17), (_("状态"), 9),
        (_("得分"), 8), (_("结果"), 10), (_("红线不合格"), 10), (_("提交时间"), 17), (_("签收人"), 12),
        (_("签收时间"), 17), (_("签收意见"), 30),
    ]


def _verdict(inspection) -> str:
    if inspection.passed is None:
        return ""
    if inspection.critical_failed:
        return _("红线不合格")
    return _("合格") if inspection.passed else _("不合格")


def inspections_workbook(inspections, region_names: dict[int, str]) -> bytes:
    """One row per inspection; `region_names` maps unit id -> region name."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("检查记录")
    columns = _columns()
    sheet.append([title for title, _width in columns])
    header_fill = PatternFill("solid", fgColor="DCE6F5")
    for index, (_title, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    for inspection in inspections:
        signer = inspection.acknowledged_by
        append_row(sheet, [
            inspection.pk,
            inspection.unit.code,
            inspection.unit.name,
            region_names.get(inspection.unit_id, ""),
            inspection.template.name,
            inspection.template.version,
            str(inspection.inspector),
            inspection.get_mode_display(),
            _local(inspection.performed_at),
            inspection.get_status_display(),
            inspection.score,
            _verdict(inspection),
            _("是") if inspection.critical_failed else _("否"),
            _local(inspection.submitted_at),
            str(signer) if signer else "",
            _local(inspection.acknowledged_at),
            inspection.acknowledgement_comment,
        ])
    for column in ("I", "N", "P"):
        for cell in sheet[column][1:]:
            cell.number_format = DATETIME_FORMAT
    for cell in sheet["K"][1:]:
        cell.number_format = "0.0"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
