"""A template as a document: the API's create shape, and its JSON and Excel files.

`template_document(template)` is the exchange form: `{name, description, sections: [{title, items:
[{code, text, guidance, kind, points, pass_points, min, max, options: [{label, points, fails}],
severity, critical, photo_required, category}]}]}`. Exporting a template and importing the file
gives a template whose document is identical. The Excel form is one sheet: the name and description
in the first rows, then one row per item with its group in the first column and the options written
`标签:分值[:fails]` separated by `|`; a row with only a group names a group without items.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from dudao.core.errors import ApplicationError, ErrorCode, validation_error
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE, keep_as_text
from dudao.policies.choices import Severity

from .choices import ItemKind
from .models import Item, Section, Template
from .validation import clean_document

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 2000

# The workbook's column headers are a file format, not interface text: they stay Chinese in every
# language so a file exported anywhere imports anywhere (English headers are accepted too).
XLSX_COLUMNS = [
    ("section", "分组"), ("code", "编码"), ("text", "检查内容"), ("guidance", "检查方法/标准说明"),
    ("kind", "类型"), ("points", "分值"), ("pass_points", "合格分"), ("min", "最小值"), ("max", "最大值"),
    ("options", "选项"), ("severity", "严重程度"), ("critical", "红线项"), ("photo_required", "必须拍照"),
    ("category", "问题类别"),
]
XLSX_NAME_LABEL = "检查标准"
XLSX_DESCRIPTION_LABEL = "说明"
XLSX_SHEET_TITLE = "检查标准"
NAME_LABELS = {XLSX_NAME_LABEL, "名称", "标准名称", "name"}
DESCRIPTION_LABELS = {XLSX_DESCRIPTION_LABEL, "description"}
HEADER_ALIASES = {**{label: key for key, label in XLSX_COLUMNS}, **{key: key for key, _label in XLSX_COLUMNS},
                  "检查项": "text", "标准说明": "guidance", "检查方法": "guidance", "红线": "critical",
                  "拍照": "photo_required", "类别": "category"}
YES = {"是", "y", "yes", "true", "1", "√", "✓", "x"}
NO = {"否", "n", "no", "false", "0", ""}
FAIL_MARKS = {"fails", "fail", "不合格"}


# --- the document ----------------------------------------------------------------------------
def json_number(value: Decimal | None) -> int | float | None:
    """A stored Decimal as a JSON number: 5.00 -> 5, 2.50 -> 2.5."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def with_contents(queryset):
    """Templates with their sections and items in order, in two extra queries whatever their size."""
    return queryset.prefetch_related(
        Prefetch("sections", queryset=Section.objects.order_by("position", "id").prefetch_related(
            Prefetch("items", queryset=Item.objects.order_by("position", "id"))
        ))
    )


def _sections(template: Template) -> list[Section]:
    if "sections" in getattr(template, "_prefetched_objects_cache", {}):
        return list(template.sections.all())
    return list(with_contents(Template.objects.filter(pk=template.pk)).get().sections.all())


def item_document(item: Item) -> dict[str, Any]:
    return {
        "code": item.code, "text": item.text, "guidance": item.guidance, "kind": item.kind,
        "points": json_number(item.points), "pass_points": json_number(item.pass_points),
        "min": json_number(item.min_value), "max": json_number(item.max_value),
        "options": [{"label": o["label"], "points": json_number(Decimal(str(o["points"]))), "fails": bool(o["fails"])}
                    for o in item.options],
        "severity": item.severity, "critical": item.critical, "photo_required": item.photo_required,
        "category": item.category,
    }


def template_document(template: Template) -> dict[str, Any]:
    """The exchange document of one template version (no ids: it describes content, not rows)."""
    return {
        "name": template.name,
        "description": template.description,
        "sections": [
            {"title": section.title, "items": [item_document(item) for item in section.items.all()]}
            for section in _sections(template)
        ],
    }


def template_detail(template: Template) -> dict[str, Any]:
    """The document with ids and version facts, as GET /api/v1/templates/{id} returns it."""
    sections = _sections(template)
    return {
        "id": template.pk, "lineage": str(template.lineage), "version": template.version,
        "status": template.status, "name": template.name, "description": template.description,
        "created_at": template.created_at, "created_by_id": template.created_by_id,
        "published_at": template.published_at, "published_by_id": template.published_by_id,
        "item_count": sum(len(section.items.all()) for section in sections),
        "sections": [
            {"id": section.pk, "title": section.title, "position": section.position,
             "items": [{"id": item.pk, **item_document(item)} for item in section.items.all()]}
            for section in sections
        ],
    }


def plain_document(clean: dict) -> dict[str, Any]:
    """A cleaned document (Decimals) in JSON numbers, as the audit log and exports show it."""
    def item(data: dict) -> dict:
        return {**data, "points": json_number(data["points"]), "pass_points": json_number(data["pass_points"]),
                "min": json_number(data["min"]), "max": json_number(data["max"]),
                "options": [{**o, "points": json_number(o["points"])} for o in data["options"]]}

    document = {"sections": [{"title": s["title"], "items": [item(i) for i in s["items"]]} for s in clean["sections"]]}
    if "name" in clean:
        document = {"name": clean["name"], "description": clean["description"], **document}
    return document


def export_filename(template: Template, extension: str) -> str:
    safe = "".join(ch for ch in template.name if ch not in '\\/:*?"<>|').strip() or "template"
    return f"{safe}-v{template.version}.{extension}"


def export_file(template: Template, file_format: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of a version exported as `json` or `xlsx`."""
    document = template_document(template)
    if file_format == "xlsx":
        return document_to_xlsx(document), XLSX_CONTENT_TYPE, export_filename(template, "xlsx")
    if file_format == "json":
        return document_to_json(document), "application/json; charset=utf-8", export_filename(template, "json")
    raise validation_error("format", _("导出格式应为 json 或 xlsx"))


def export_response(template: Template, file_format: str) -> HttpResponse:
    """The file download pages and the API both answer with."""
    content, content_type, filename = export_file(template, file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- JSON ------------------------------------------------------------------------------------
def document_to_json(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def document_from_json(content: bytes) -> dict:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ApplicationError(ErrorCode.UNSUPPORTED_FILE, _("文件不是 UTF-8 编码的 JSON"),
                               {"fields": {"file": [_("文件不是 UTF-8 编码的 JSON")]}}) from None
    except json.JSONDecodeError as exc:
        message = _("不是有效的 JSON:第 %(line)s 行第 %(column)s 列 %(problem)s") % {
            "line": exc.lineno, "column": exc.colno, "problem": exc.msg}
        raise ApplicationError(ErrorCode.UNSUPPORTED_FILE, message, {"fields": {"file": [message]}}) from None
    if not isinstance(data, dict):
        message = _("JSON 文件必须是一个检查标准对象")
        raise ApplicationError(ErrorCode.UNSUPPORTED_FILE, message, {"fields": {"file": [message]}})
    return data


# --- Excel -----------------------------------------------------------------------------------
def _cell_text(value: Any) -> Any:
    return value if value not in ("", None) else None


def document_to_xlsx(document: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = XLSX_SHEET_TITLE
    bold = Font(bold=True)

    def put(row: int, column: int, value: Any):
        return keep_as_text(sheet.cell(row=row, column=column, value=value))

    put(1, 1, XLSX_NAME_LABEL).font = bold
    put(1, 2, document["name"])
    put(2, 1, XLSX_DESCRIPTION_LABEL).font = bold
    put(2, 2, _cell_text(document["description"])).alignment = Alignment(wrap_text=True, vertical="top")
    header_row = 4
    fill = PatternFill("solid", fgColor="E0E8FF")
    for column, (_key, label) in enumerate(XLSX_COLUMNS, start=1):
        cell = put(header_row, column, label)
        cell.font, cell.fill = bold, fill
    row = header_row
    for section in document["sections"]:
        if not section["items"]:
            row += 1
            put(row, 1, section["title"])
        for item in section["items"]:
            row += 1
            values = {
                **item, "section": section["title"], "options": option_text(item["options"]),
                "critical": "是" if item["critical"] else "否",
                "photo_required": "是" if item["photo_required"] else "否",
            }
            for column, (key, _label) in enumerate(XLSX_COLUMNS, start=1):
                put(row, column, _cell_text(values[key]))
    widths = {"section": 14, "code": 10, "text": 40, "guidance": 36, "kind": 9, "options": 32, "severity": 10,
              "category": 18}
    for column, (key, _label) in enumerate(XLSX_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=header_row, column=column).column_letter].width = widths.get(key, 9)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    last = max(row, header_row + 200)
    for key, values in (("kind", ItemKind.values), ("severity", Severity.values),
                        ("critical", ["是", "否"]), ("photo_required", ["是", "否"])):
        column = [k for k, _label in XLSX_COLUMNS].index(key) + 1
        letter = sheet.cell(row=header_row, column=column).column_letter
        validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        validation.add(f"{letter}{header_row + 1}:{letter}{last}")
        sheet.add_data_validation(validation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_error(message: str, *, row: int | None = None, field: str = "file") -> ApplicationError:
    detail: dict[str, Any] = {"fields": {field: [message]}}
    if row is not None:
        detail["row"] = row
    return ApplicationError(ErrorCode.VALIDATION, message, detail)


def _labels(choices) -> dict[str, str]:
    """Code, Chinese label and English label of each choice -> code."""
    found: dict[str, str] = {}
    for code in choices.values:
        found[code.casefold()] = code
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for code, label in choices.choices:
                found[str(label).casefold()] = code
    return found


def _code_text(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def parse_option_text(text: Any) -> list[dict]:
    """`良好:5|一般:3|差:0:fails` (or one option a line) -> [{label, points, fails}]; labels may hold
    colons, the points and the fails mark are read from the right. ValueError names a bad option."""
    if text in (None, ""):
        return []
    options = []
    for part in str(text).replace("\r", "").replace("\n", "|").split("|"):
        part = part.strip()
        if not part:
            continue
        pieces = [piece.strip() for piece in part.split(":")]
        fails = False
        if len(pieces) >= 3 and pieces[-1].casefold() in FAIL_MARKS:
            fails = True
            pieces.pop()
        if len(pieces) < 2 or not pieces[-1]:
            raise ValueError(part)
        options.append({"label": ":".join(pieces[:-1]), "points": pieces[-1], "fails": fails})
    return options


def option_text(options: list[dict], separator: str = "|") -> str:
    def one(option: dict) -> str:
        points = option["points"]
        text = f"{option['label']}:{points if points is not None else 0}"
        return f"{text}:fails" if option["fails"] else text

    return separator.join(one(option) for option in options)


def _parse_options(text: Any, *, row: int, who: str) -> list[dict]:
    try:
        return parse_option_text(text)
    except ValueError as exc:
        raise _xlsx_error(
            _("第 %(row)s 行(%(item)s)的选项 %(option)s 格式不对:应为 标签:分值[:fails],多个选项用 | 分隔") % {
                "row": row, "item": who, "option": str(exc)},
            row=row, field="options",
        ) from None


def _parse_flag(value: Any, *, row: int, who: str, field: str) -> Any:
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    label = dict(XLSX_COLUMNS)[field]
    raise _xlsx_error(_("第 %(row)s 行(%(item)s)的%(field)s应填 是 或 否") % {"row": row, "item": who, "field": label},
                      row=row, field=field)


@dataclass
class ParsedWorkbook:
    document: dict
    rows: dict[str, int]  # "sections.0.items.3" / "sections.0" -> worksheet row


def parse_xlsx(content: bytes, *, default_name: str = "") -> ParsedWorkbook:
    """Read the workbook into a raw document; shape problems name their row, content is checked later."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise _xlsx_error(_("Excel 文件解压后过大"))
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except ApplicationError:
        raise
    except Exception:  # openpyxl raises many kinds of error for a file that is not a workbook
        message = _("不是有效的 Excel(.xlsx)文件")
        raise ApplicationError(ErrorCode.UNSUPPORTED_FILE, message, {"fields": {"file": [message]}}) from None
    try:
        sheet = workbook.worksheets[0]
        name, description = default_name, ""
        columns: dict[int, str] | None = None
        sections: list[dict] = []
        by_title: dict[str, dict] = {}
        rows: dict[str, int] = {}
        current: dict | None = None
        kinds, severities = _labels(ItemKind), _labels(Severity)
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=40), start=1):
            if number > MAX_ROWS:
                raise _xlsx_error(_("Excel 文件不能超过 %(n)s 行") % {"n": MAX_ROWS})
            cells = ["" if v is None else (v.strip() if isinstance(v, str) else v) for v in values]
            if columns is None:
                first = str(cells[0]) if cells else ""
                if first in NAME_LABELS and len(cells) > 1:
                    name = "" if cells[1] == "" else str(cells[1])
                elif first in DESCRIPTION_LABELS and len(cells) > 1:
                    description = "" if cells[1] == "" else str(cells[1])
                elif {"编码", "code"} & {str(c) for c in cells}:
                    columns = {i: HEADER_ALIASES[str(c)] for i, c in enumerate(cells) if str(c) in HEADER_ALIASES}
                    missing = [label for key, label in XLSX_COLUMNS[:3] if key not in columns.values()]
                    if missing:
                        raise _xlsx_error(_("第 %(row)s 行表头缺少列:%(columns)s") % {
                            "row": number, "columns": _("、").join(missing)}, row=number)
                continue
            data = {key: cells[i] for i, key in columns.items() if i < len(cells)}
            if all(value == "" for value in data.values()):
                continue
            title = str(data.pop("section", "") or "").strip()
            if title:
                current = by_title.get(title)
                if current is None:
                    current = {"title": title, "items": []}
                    by_title[title] = current
                    rows[f"sections.{len(sections)}"] = number
                    sections.append(current)
            if all(value == "" for value in data.values()):
                continue
            if current is None:
                raise _xlsx_error(_("第 %(row)s 行没有填写分组") % {"row": number}, row=number, field="section")
            code = _code_text(data.get("code", ""))
            who = str(code) if code not in ("", None) else _("无编码的检查项")
            kind = data.get("kind", "")
            severity = data.get("severity", "")
            item = {
                "code": code, "text": data.get("text", ""), "guidance": data.get("guidance", ""),
                "kind": kinds.get(str(kind).casefold(), kind) if kind != "" else "",
                "points": data.get("points", ""), "pass_points": data.get("pass_points", ""),
                "min": data.get("min", ""), "max": data.get("max", ""),
                "options": _parse_options(data.get("options", ""), row=number, who=who),
                "severity": severities.get(str(severity).casefold(), severity) if severity != "" else "",
                "critical": _parse_flag(data.get("critical"), row=number, who=who, field="critical"),
                "photo_required": _parse_flag(data.get("photo_required"), row=number, who=who, field="photo_required"),
                "category": _code_text(data.get("category", "")),
            }
            index = sections.index(current)
            rows[f"sections.{index}.items.{len(current['items'])}"] = number
            current["items"].append(item)
        if columns is None:
            raise _xlsx_error(_("没有找到表头行(需要 分组、编码、检查内容 等列)"))
    finally:
        workbook.close()
    return ParsedWorkbook({"name": name, "description": description, "sections": sections}, rows)


def _row_of(path: str, rows: dict[str, int]) -> int | None:
    parts = path.split(".")
    for length in (4, 2):
        key = ".".join(parts[:length])
        if len(parts) >= length and key in rows:
            return rows[key]
    return None


def document_from_xlsx(content: bytes, *, default_name: str = "") -> dict:
    """The raw document of a workbook, already checked so that a refusal names the worksheet row."""
    parsed = parse_xlsx(content, default_name=default_name)
    try:
        clean_document(parsed.document)
    except ApplicationError as exc:
        fields = (exc.detail or {}).get("fields", {})
        first = next(iter(fields), "")
        row = _row_of(first, parsed.rows)
        if row is None:
            raise
        detail = {**exc.detail, "row": row,
                  "rows": {path: _row_of(path, parsed.rows) for path in fields if _row_of(path, parsed.rows)}}
        raise ApplicationError(exc.code, _("第 %(row)s 行:%(message)s") % {"row": row, "message": exc.message},
                               detail) from None
    return parsed.document


# --- uploads ---------------------------------------------------------------------------------
def read_upload(filename: str, content: bytes) -> dict:
    """The raw document of an uploaded .json or .xlsx file (refusals name the file's row or item)."""
    if len(content) > MAX_UPLOAD_BYTES:
        message = _("文件不能超过 %(mb)s MB") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
        raise ApplicationError(ErrorCode.TOO_LARGE, message, {"fields": {"file": [message]}})
    suffix = PurePath(filename or "").suffix.lower()
    stem = PurePath(filename or "").stem
    if suffix == ".xlsx" or (suffix != ".json" and content[:2] == b"PK"):
        return document_from_xlsx(content, default_name=stem)
    if suffix == ".json" or content.lstrip()[:1] in (b"{", b"["):
        return document_from_json(content)
    message = _("只支持 .json 或 .xlsx 文件")
    raise ApplicationError(ErrorCode.UNSUPPORTED_FILE, message, {"fields": {"file": [message]}})
