"""Reading an import file into sheets of rows, and writing templates and exports.

CSV comes as UTF-8 (with or without the BOM Excel adds) or GB18030 (what Chinese Excel writes);
.xlsx through openpyxl; JSON feeds (`POST /api/v1/imports/rows`) as a list of objects. Cells become
stripped text: Excel's 1001.0 is "1001", a date is "2026-03-01".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook

from dudao.core.attachments import file_error
from dudao.core.errors import ErrorCode
from dudao.core.spreadsheets import append_row

from .registry import Field, ImportKind, Row, normalise_header, zh

README_SHEET = "说明"
FIELD_TYPES = {"text": gettext_lazy("文本"), "choice": gettext_lazy("可选值"), "email": gettext_lazy("邮箱"),
               "password": gettext_lazy("密码"), "number": gettext_lazy("数字"), "period": gettext_lazy("期间")}


@dataclass
class Sheet:
    name: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def data_rows(self) -> list[tuple[int, list[str]]]:
        """(Excel row number, cells) of every row that is not empty; the header is row 1."""
        return [(index + 2, cells) for index, cells in enumerate(self.rows) if any(c for c in cells)]


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def decode_csv(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise file_error(ErrorCode.UNSUPPORTED_FILE, _("无法识别文件编码：请保存为 UTF-8 或 GB18030 编码的 CSV")) from exc


def file_format(filename: str, data: bytes) -> str:
    """"xlsx", "csv" or "json", from the bytes first (an .xlsx is a zip), then the name."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    name = filename.lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith((".csv", ".txt")):
        return "csv"
    if name.endswith((".xls", ".xlsx")):
        raise file_error(ErrorCode.UNSUPPORTED_FILE, _("无法读取此 Excel 文件：请另存为 .xlsx 格式"))
    raise file_error(ErrorCode.UNSUPPORTED_FILE, _("只支持 .xlsx 或 .csv 文件"))


def read_sheets(data: bytes, filename: str) -> list[Sheet]:
    """Every sheet of the file (a CSV or JSON feed is one sheet), header row first."""
    kind = file_format(filename, data)
    if kind == "csv":
        lines = list(csv.reader(io.StringIO(decode_csv(data))))
        return [_sheet("", lines)]
    if kind == "json":
        try:
            rows = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise file_error(ErrorCode.UNSUPPORTED_FILE, _("JSON 格式错误")) from exc
        headers: list[str] = []
        for row in rows:
            headers.extend(key for key in row if key not in headers)
        return [Sheet("", headers, [[cell_text(row.get(h)) for h in headers] for row in rows])]
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise file_error(ErrorCode.UNSUPPORTED_FILE, _("无法读取此 Excel 文件：请另存为 .xlsx 格式")) from exc
    sheets = []
    for worksheet in workbook.worksheets:
        if worksheet.title == README_SHEET:
            continue
        sheets.append(_sheet(worksheet.title, [[cell_text(v) for v in row] for row in worksheet.iter_rows(values_only=True)]))
    workbook.close()
    return sheets


def _sheet(name: str, lines: list[list]) -> Sheet:
    lines = [[cell_text(c) for c in line] for line in lines]
    while lines and not any(lines[0]):
        lines.pop(0)
    if not lines:
        return Sheet(name, [], [])
    headers = lines[0]
    while headers and not headers[-1]:
        headers = headers[:-1]
    width = len(headers)
    return Sheet(name, headers, [(line + [""] * width)[:width] for line in lines[1:]])


# --- headers -----------------------------------------------------------------------------------
def auto_mapping(kind: ImportKind, headers: list[str]) -> dict[str, str]:
    """header -> field code for every header that names a field of `kind`."""
    mapping = {}
    for header in headers:
        wanted = normalise_header(header)
        for f in kind.fields:
            if wanted and wanted in f.headers():
                mapping[header] = f.code
                break
    return mapping


@dataclass
class HeaderCheck:
    mapping: dict[str, str]
    unmatched: list[str]
    missing: list[Field]
    duplicated: list[str]

    @property
    def ok(self) -> bool:
        return not (self.unmatched or self.missing or self.duplicated)


def check_headers(kind: ImportKind, headers: list[str], mapping: dict[str, str] | None) -> HeaderCheck:
    """Match headers to fields: the given mapping first (an empty field ignores the column), then
    the labels. Required fields must each have one column, and no field two."""
    given = mapping or {}
    codes = {f.code for f in kind.fields}
    auto = auto_mapping(kind, headers)
    result: dict[str, str] = {}
    unmatched = []
    for header in headers:
        if not header:
            continue
        if header in given:
            if given[header] in codes:
                result[header] = given[header]
            elif given[header]:
                unmatched.append(header)
        elif header in auto:
            result[header] = auto[header]
        else:
            unmatched.append(header)
    seen: dict[str, str] = {}
    duplicated = []
    for header, code in result.items():
        if code in seen:
            duplicated.append(header)
        seen[code] = header
    missing = [f for f in kind.fields if f.required and f.code not in seen]
    return HeaderCheck(result, unmatched, missing, duplicated)


def sheet_rows(sheet: Sheet, mapping: dict[str, str]) -> list[Row]:
    index = {position: mapping[h] for position, h in enumerate(sheet.headers) if h in mapping}
    return [
        Row(number, {code: cells[position] for position, code in index.items()}, sheet.name)
        for number, cells in sheet.data_rows()
    ]


# --- writing -----------------------------------------------------------------------------------
def write_kind_sheet(worksheet, kind: ImportKind, rows=()) -> None:
    append_row(worksheet, [zh(f.label) for f in kind.fields])
    for row in rows:
        append_row(worksheet, [row.get(f.code, "") for f in kind.fields])


def write_readme(worksheet, kinds: list[ImportKind]) -> None:
    append_row(worksheet, [_("表"), _("列名"), _("英文列名"), _("字段代码"), _("必填"), _("类型"), _("说明"), _("允许的值")])
    for kind in kinds:
        for f in kind.fields:
            allowed = "、".join(f"{label} ({code})" for code, label in f.allowed_values())
            append_row(worksheet, [
                zh(kind.label), zh(f.label), f.label_en, f.code, _("是") if f.required else _("否"),
                str(FIELD_TYPES.get(f.type, f.type)),
                zh(f.help), allowed,
            ])


def workbook_bytes(kinds: list[ImportKind], rows_by_kind: dict[str, list[dict]] | None = None,
                   *, onboarding: bool = False) -> bytes:
    """A workbook with one sheet per kind (named for it in an onboarding workbook) and "说明"."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind in kinds:
        title = kind.sheet_names[0] if onboarding else zh(kind.label)
        write_kind_sheet(workbook.create_sheet(title), kind, (rows_by_kind or {}).get(kind.code, []))
    write_readme(workbook.create_sheet(README_SHEET), kinds)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
