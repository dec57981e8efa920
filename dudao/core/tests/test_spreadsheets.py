"""Excel rows keep formula-looking text as text, on normal and write-only sheets."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from dudao.core.spreadsheets import append_row, keep_as_text


@pytest.mark.parametrize("write_only", [False, True])
def test_append_row_keeps_formula_like_text_as_text(write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    append_row(sheet, ["=1+1", 2, "plain", None])
    buffer = io.BytesIO()
    book.save(buffer)
    row = load_workbook(buffer).worksheets[0][1]
    assert [(c.value, c.data_type) for c in row[:3]] == [("=1+1", "s"), (2, "n"), ("plain", "s")]


def test_keep_as_text_leaves_other_cells_alone():
    sheet = Workbook().active
    assert keep_as_text(sheet.cell(row=1, column=1, value="=SUM(A2:A3)")).data_type == "s"
    assert keep_as_text(sheet.cell(row=1, column=2, value=5)).data_type == "n"
