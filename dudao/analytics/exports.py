"""Excel downloads of the analytics tables (openpyxl): one sheet, a title row, headers, the rows."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dudao.core.spreadsheets import append_row

from .tables import COUNT, NUMBER, PERCENT, SCORE, Table, excel_value

NUMBER_FORMATS = {COUNT: "0", SCORE: "0.0", PERCENT: "0.0", NUMBER: "0.##"}


def workbook_bytes(table: Table, subtitle: str = "") -> bytes:
    """The table as an .xlsx file: title (and the scope and period) on top, then headers and rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([subtitle])
    headers = [f"{c.label}(%)" if c.kind == PERCENT else str(c.label) for c in table.columns]
    sheet.append(headers)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in table.rows:
        append_row(sheet, [excel_value(row.get(c.key), c.kind) for c in table.columns])
    for index, column in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(10, min(40, len(headers[index - 1]) * 2 + 4))
        number_format = NUMBER_FORMATS.get(column.kind)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=4, min_col=index, max_col=index):
                cell.number_format = number_format
    sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
