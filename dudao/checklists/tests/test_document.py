"""JSON and Excel: export then import gives an identical document; bad files are refused by row."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook, load_workbook

from dudao.checklists import services
from dudao.checklists.document import (
    XLSX_COLUMNS,
    document_from_json,
    document_to_json,
    document_to_xlsx,
    export_file,
    read_upload,
    template_document,
)
from dudao.checklists.models import Template
from dudao.core.errors import ApplicationError, ErrorCode

from .helpers import counts, published, sections


def import_file(world, filename, content):
    document = read_upload(filename, content)
    return services.template_import(actor=world.people["supervisor"], document=document, filename=filename)


def rich_template(world):
    data = sections()
    data[0]["items"][0]["guidance"] = "第一行\n第二行:抽查"
    data[0]["items"][1].update(min=-2.5, max=4.25)
    data[0]["items"][2]["options"][0]["label"] = "规范:按 125g 留样"
    data[1]["items"][0].update(points=7.5, pass_points=6.25)
    data[1]["items"][1]["text"] = "=SUM(A1:A2) 不是公式"
    data.append({"title": "空分组", "items": []})
    return services.template_create(actor=world.people["admin"], name="全面检查表", description="说明\n两行",
                                    sections=data)


@pytest.mark.parametrize("file_format", ["json", "xlsx"])
def test_export_then_import_gives_an_identical_document(world, file_format):
    original = rich_template(world)
    content, _type, filename = export_file(original, file_format)
    imported = import_file(world, filename, content)
    assert imported.pk != original.pk and imported.lineage != original.lineage
    assert (imported.status, imported.version) == ("draft", 1)
    assert template_document(imported) == template_document(original)
    assert export_file(imported, file_format)[0] == content or file_format == "xlsx"


def test_json_export_is_the_create_shape(world):
    template = published(world)
    document = json.loads(export_file(template, "json")[0])
    assert document == template_document(template)
    assert set(document) == {"name", "description", "sections"}
    assert set(document["sections"][0]["items"][0]) == {
        "code", "text", "guidance", "kind", "points", "pass_points", "min", "max", "options", "severity",
        "critical", "photo_required", "category"}


def test_the_workbook_has_one_row_per_item_with_chinese_headers(world):
    template = rich_template(world)
    sheet = load_workbook(io.BytesIO(export_file(template, "xlsx")[0])).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("检查标准", "全面检查表")
    assert list(rows[3]) == [label for _key, label in XLSX_COLUMNS]
    assert rows[4][:5] == ("食品安全", "A01", "无过期食材", "第一行\n第二行:抽查", "check")
    assert rows[6][9] == "规范:按 125g 留样:5|未留样:0:fails"
    assert rows[7][11:13] == ("否", "否")
    assert rows[4][11:13] == ("是", "是")
    assert rows[-1][0] == "空分组" and set(rows[-1][1:]) == {None}
    formula_like = sheet.cell(row=9, column=3)
    assert formula_like.value == "=SUM(A1:A2) 不是公式" and formula_like.data_type == "s"


def workbook(*rows, name="手工表") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["检查标准", name])
    sheet.append(["说明", None])
    sheet.append([None])
    sheet.append([label for _key, label in XLSX_COLUMNS])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_hand_made_workbook_with_chinese_labels_imports(world):
    content = workbook(
        ["卫生", 101, "地面清洁", None, "打分", 10, 8, None, None, None, "高", "否", "是", "process_compliance"],
        [None, "C2", "留样", None, "选项", None, None, None, None, "好:5 | 差:0:不合格", None, None, None, None],
        ["安全", "C3", "冷藏温度", None, "数值", 5, None, 0, 5, None, None, "是", None, None],
    )
    template = import_file(world, "手工表.xlsx", content)
    document = template_document(template)
    assert document["name"] == "手工表"
    assert [s["title"] for s in document["sections"]] == ["卫生", "安全"]
    first, second = document["sections"][0]["items"]
    assert (first["code"], first["kind"], first["severity"], first["photo_required"]) == ("101", "score", "high", True)
    assert second["options"] == [{"label": "好", "points": 5, "fails": False}, {"label": "差", "points": 0, "fails": True}]
    assert document["sections"][1]["items"][0]["critical"] is True


@pytest.mark.parametrize(("rows", "row", "named"), [
    ([["卫生", "C1", "地面", None, "rating", 5]], 5, "C1"),
    ([["卫生", "C1", "地面", None, "check", 5], ["卫生", "C1", "重复", None, "check", 5]], 6, "C1"),
    ([["卫生", "C1", "留样", None, "choice"]], 5, "C1"),
    ([["卫生", "C1", "温度", None, "number", 5, None, 8, 5]], 5, "C1"),
    ([["卫生", "C1", "留样", None, "choice", None, None, None, None, "好 5"]], 5, "C1"),
    ([["卫生", "C1", "地面", None, "check", 5, None, None, None, None, None, "也许"]], 5, "C1"),
    ([[None, "C1", "地面", None, "check", 5]], 5, "第 5 行"),
])
def test_workbook_refusals_name_the_row_and_item_and_import_nothing(world, rows, row, named):
    before = counts()
    with pytest.raises(ApplicationError) as refused:
        import_file(world, "bad.xlsx", workbook(*rows))
    assert refused.value.detail["row"] == row
    assert f"第 {row} 行" in refused.value.message and named in refused.value.message
    assert counts() == before


def test_a_workbook_without_a_header_row_is_refused(db):
    book = Workbook()
    book.active.append(["随便", "什么"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ApplicationError, match="表头"):
        read_upload("x.xlsx", buffer.getvalue())


@pytest.mark.parametrize(("filename", "content", "code"), [
    ("x.json", b"{not json", ErrorCode.UNSUPPORTED_FILE),
    ("x.json", b"[1, 2]", ErrorCode.UNSUPPORTED_FILE),
    ("x.json", "{}".encode("utf-16"), ErrorCode.UNSUPPORTED_FILE),
    ("x.xlsx", b"PK\x03\x04 broken", ErrorCode.UNSUPPORTED_FILE),
    ("x.txt", b"hello", ErrorCode.UNSUPPORTED_FILE),
    ("x.json", b" " * (5 * 1024 * 1024 + 1), ErrorCode.TOO_LARGE),
])
def test_unreadable_files_are_refused(db, filename, content, code):
    with pytest.raises(ApplicationError) as refused:
        read_upload(filename, content)
    assert refused.value.code == code and "file" in refused.value.detail["fields"]


def test_a_json_import_names_the_item_like_every_write(world):
    document = {"name": "x", "sections": [{"title": "s", "items": [{"code": "Q1", "text": "t", "kind": "choice"}]}]}
    before = counts()
    with pytest.raises(ApplicationError) as refused:
        import_file(world, "x.json", document_to_json(document))
    assert "Q1" in refused.value.message and "sections.0.items.0.options" in refused.value.detail["fields"]
    assert counts() == before


def test_a_fetched_detail_document_imports_as_it_is(world):
    from dudao.checklists.document import template_detail

    original = published(world)
    detail = json.loads(json.dumps(template_detail(original), default=str))
    imported = import_file(world, "detail.json", json.dumps(detail).encode())
    assert template_document(imported) == template_document(original)


def test_document_helpers_round_trip_in_memory(world):
    original = rich_template(world)
    document = template_document(original)
    assert document_from_json(document_to_json(document)) == document
    assert read_upload("t.xlsx", document_to_xlsx(document)) is not None
    assert Template.objects.count() == 1


# --- number items with one bound ---------------------------------------------------------------
ONE_SIDED = [{"title": "在线监测", "items": [
    {"code": "ON01", "text": "在线仪表达标率(%)", "kind": "number", "points": 10, "min": 95},
    {"code": "ON02", "text": "出水氨氮(mg/L)", "kind": "number", "points": 10, "max": 5},
    {"code": "ON03", "text": "出水 pH", "kind": "number", "points": 5, "min": 6, "max": 9},
]}]


@pytest.mark.parametrize("file_format", ["json", "xlsx"])
def test_one_sided_number_items_survive_export_and_import(world, file_format):
    original = services.template_create(actor=world.people["admin"], name="水厂检查表", sections=ONE_SIDED)
    content, _type, filename = export_file(original, file_format)
    imported = import_file(world, filename, content)
    items = template_document(imported)["sections"][0]["items"]
    assert [(i["code"], i["min"], i["max"]) for i in items] == [("ON01", 95, None), ("ON02", None, 5), ("ON03", 6, 9)]
    assert template_document(imported) == template_document(original)


def test_the_workbook_leaves_a_missing_bound_blank(world):
    template = services.template_create(actor=world.people["admin"], name="水厂检查表", sections=ONE_SIDED)
    rows = list(load_workbook(io.BytesIO(export_file(template, "xlsx")[0])).active.iter_rows(values_only=True))
    bounds = {row[1]: row[7:9] for row in rows[4:]}
    assert bounds == {"ON01": (95, None), "ON02": (None, 5), "ON03": (6, 9)}


def test_a_hand_made_workbook_with_one_bound_imports_and_one_without_is_refused(world):
    template = import_file(world, "水厂.xlsx", workbook(
        ["在线监测", "ON01", "在线仪表达标率", None, "数值", 10, None, 95, None],
        [None, "ON02", "出水氨氮", None, "数值", 10, None, None, 5],
    ))
    items = template_document(template)["sections"][0]["items"]
    assert [(i["min"], i["max"]) for i in items] == [(95, None), (None, 5)]
    before = counts()
    with pytest.raises(ApplicationError) as refused:
        import_file(world, "水厂.xlsx", workbook(["在线监测", "ON09", "在线仪表达标率", None, "数值", 10]))
    assert refused.value.detail["row"] == 5
    assert "第 5 行" in refused.value.message and "ON09" in refused.value.message
    assert counts() == before
