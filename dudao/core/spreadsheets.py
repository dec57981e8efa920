"""What every Excel download shares: its content type, and text that never turns into a formula.

openpyxl stores any string that starts with "=" as a formula, so a finding titled
'=HYPERLINK("http://…")' would run in the reader's Excel. Rows go through `append_row`, single cells
through `keep_as_text`, and such strings stay the text that was typed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def keep_as_text(cell):
    """Mark `cell` as text when its value looks like a formula; returns the cell."""
    if _looks_like_formula(cell.value):
        cell.data_type = "s"
    return cell


def append_row(sheet, values: Iterable[Any]) -> None:
    """`sheet.append(values)` (normal or write-only sheets), formula-looking strings kept as text."""
    sheet.append([keep_as_text(WriteOnlyCell(sheet, value=v)) if _looks_like_formula(v) else v for v in values])
