"""Every refusal of an invalid template names the item (by code) and the field, and changes nothing.

The same validation guards creating, updating, importing and the builder; the table below is tried
through creation and through an update of an existing draft.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from dudao.checklists import services
from dudao.checklists.validation import clean_document, clean_item
from dudao.core.errors import ApplicationError, ErrorCode

from .helpers import counts, draft, sections, state


def item(data, s, i):
    return data[s]["items"][i]


def setter(s, i, **changes):
    def change(data):
        item(data, s, i).update(changes)
    return change


def option_label(label):
    def change(data):
        item(data, 0, 2)["options"][0]["label"] = label
    return change


def drop(s, i, *keys):
    def change(data):
        for key in keys:
            item(data, s, i).pop(key)
    return change


# (case, change to the sample sections, field path named, item named in the message)
REFUSALS = [
    ("duplicate code", setter(1, 0, code="A01"), "sections.1.items.0.code", "A01"),
    ("duplicate code, other case", setter(1, 0, code="a01"), "sections.1.items.0.code", "a01"),
    ("empty code", setter(0, 1, code=""), "sections.0.items.1.code", "第 1 组第 2 项"),
    ("code with a space", setter(0, 1, code="A 02"), "sections.0.items.1.code", "A 02"),
    ("empty text", setter(0, 1, text="  "), "sections.0.items.1.text", "A02"),
    ("choice without options", setter(0, 2, options=[]), "sections.0.items.2.options", "A03"),
    ("choice option without label", option_label(""), "sections.0.items.2.options.0.label", "A03"),
    ("choice option label with |", option_label("好|坏"), "sections.0.items.2.options.0.label", "A03"),
    ("choice with duplicate labels", option_label("未留样"), "sections.0.items.2.options.1.label", "A03"),
    ("number without min or max", setter(0, 1, min=None, max=None), "sections.0.items.1.min", "A02"),
    ("number without either key", drop(0, 1, "min", "max"), "sections.0.items.1.min", "A02"),
    ("number with min above max", setter(0, 1, min=6, max=5), "sections.0.items.1.min", "A02"),
    ("number with an unreadable max", setter(0, 1, min=None, max="高"), "sections.0.items.1.max", "A02"),
    ("score with zero points", setter(1, 0, points=0), "sections.1.items.0.points", "B01"),
    ("score with negative points", setter(1, 0, points=-5), "sections.1.items.0.points", "B01"),
    ("score pass mark above points", setter(1, 0, pass_points=11), "sections.1.items.0.pass_points", "B01"),
    ("check with negative points", setter(0, 0, points=-1), "sections.0.items.0.points", "A01"),
    ("text with points", setter(1, 1, points=2), "sections.1.items.1.points", "B02"),
    ("photo with points", setter(1, 2, points=1), "sections.1.items.2.points", "B03"),
    ("text as red line", setter(1, 1, critical=True), "sections.1.items.1.critical", "B02"),
    ("unknown kind", setter(0, 0, kind="rating"), "sections.0.items.0.kind", "A01"),
    ("unknown severity", setter(0, 0, severity="urgent"), "sections.0.items.0.severity", "A01"),
    ("points not a number", setter(0, 0, points="ten"), "sections.0.items.0.points", "A01"),
    ("points with three decimals", setter(0, 0, points="1.234"), "sections.0.items.0.points", "A01"),
    ("pass mark on a check", setter(0, 0, pass_points=5), "sections.0.items.0.pass_points", "A01"),
    ("bounds on a check", setter(0, 0, max=5), "sections.0.items.0.max", "A01"),
    ("options on a score", setter(1, 0, options=[{"label": "好", "points": 1}]), "sections.1.items.0.options", "B01"),
    ("flag not a boolean", setter(0, 0, critical="yes"), "sections.0.items.0.critical", "A01"),
    ("unknown field", setter(0, 0, pass_point=5), "sections.0.items.0.pass_point", "A01"),
    ("text too long", setter(0, 0, text="长" * 501), "sections.0.items.0.text", "A01"),
]


def assert_names(exc: ApplicationError, path: str, named: str) -> None:
    assert exc.code == ErrorCode.VALIDATION
    assert path in exc.detail["fields"], exc.detail
    assert named in exc.message, exc.message


@pytest.mark.parametrize(("case", "change", "path", "named"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_create_refuses_naming_the_item_and_creates_nothing(world, case, change, path, named):
    data = sections()
    change(data)
    before = counts()
    with pytest.raises(ApplicationError) as refused:
        services.template_create(actor=world.people["supervisor"], name="检查表", sections=data)
    assert_names(refused.value, path, named)
    assert counts() == before


@pytest.mark.parametrize(("case", "change", "path", "named"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_update_refuses_naming_the_item_and_changes_nothing(world, case, change, path, named):
    template = draft(world)
    before = state(template)
    data = sections()
    change(data)
    with pytest.raises(ApplicationError) as refused:
        services.template_update(actor=world.people["supervisor"], template=template, name="新名字", sections=data)
    assert_names(refused.value, path, named)
    assert state(template) == before


def test_every_problem_is_listed_and_the_first_is_the_message(world):
    data = sections()
    item(data, 0, 2)["options"] = []
    item(data, 1, 0)["pass_points"] = 20
    with pytest.raises(ApplicationError) as refused:
        clean_document({"name": "x", "sections": data})
    fields = refused.value.detail["fields"]
    assert set(fields) == {"sections.0.items.2.options", "sections.1.items.0.pass_points"}
    assert refused.value.message == "检查项 A03 的选项:选项题至少需要一个选项"
    assert refused.value.detail["item_code"] == "A03"


@pytest.mark.parametrize(("document", "path"), [
    ({"name": "", "sections": []}, "name"),
    ({"name": "x", "sections": [{"title": "", "items": []}]}, "sections.0.title"),
    ({"name": "x", "sections": [{"title": "卫生", "items": []}, {"title": "卫生", "items": []}]}, "sections.1.title"),
    ({"name": "x", "sections": "卫生"}, "sections"),
    ({"name": "x", "sections": [], "colour": "red"}, "colour"),
])
def test_template_level_refusals_name_the_field(db, document, path):
    with pytest.raises(ApplicationError) as refused:
        clean_document(document)
    assert path in refused.value.detail["fields"]


def test_defaults_and_normal_forms():
    clean = clean_document({"name": " 检查表 ", "sections": [{"title": "卫生", "items": [
        {"code": "C1", "text": "选项", "kind": "choice", "points": 99,
         "options": [{"label": "好", "points": "4.5"}, {"label": "差", "fails": True}]},
        {"code": "C2", "text": "默认是合格/不合格项"},
    ]}]})
    choice, check = clean["sections"][0]["items"]
    assert clean["name"] == "检查表"
    # A choice earns at most its best option: its points follow the options.
    assert choice["points"] == Decimal("4.50")
    assert choice["options"] == [{"label": "好", "points": Decimal("4.50"), "fails": False},
                                 {"label": "差", "points": Decimal("0.00"), "fails": True}]
    # A pass/fail item given no points is worth one; stated as 0 it stays 0 (it only raises findings).
    assert check["kind"] == "check" and check["points"] == Decimal("1.00") and check["severity"] == "medium"
    assert check["critical"] is False and check["photo_required"] is False
    zero = clean_item({"code": "C3", "text": "只发现问题", "kind": "check", "points": 0}, taken_codes=set())
    assert zero["points"] == Decimal("0.00")
    text = clean_item({"code": "C4", "text": "记录", "kind": "text"}, taken_codes=set())
    assert text["points"] == Decimal("0.00")


def test_publishing_a_template_worth_no_points_is_refused_naming_it():
    from dudao.checklists.validation import check_publishable

    items = [{"code": "C1", "text": "x", "kind": "check", "points": Decimal("0.00")},
             {"code": "C2", "text": "y", "kind": "text", "points": Decimal("0.00")}]
    with pytest.raises(ApplicationError) as refused:
        check_publishable([{"title": "卫生", "items": items}])
    assert "sections" in refused.value.detail["fields"]


def test_builder_items_use_the_same_rules_keyed_by_field():
    with pytest.raises(ApplicationError) as refused:
        clean_item({"code": "A01", "text": "x", "kind": "number"}, taken_codes={"a01"})
    assert set(refused.value.detail["fields"]) == {"code", "min"}
    assert "A01" in refused.value.message


# --- number items with one bound ---------------------------------------------------------------
@pytest.mark.parametrize(("bounds", "expected"), [
    ({"min": 95}, (Decimal("95.0000"), None)),
    ({"min": "95", "max": ""}, (Decimal("95.0000"), None)),
    ({"max": -18}, (None, Decimal("-18.0000"))),
    ({"min": None, "max": 5}, (None, Decimal("5.0000"))),
    ({"min": 90, "max": 100}, (Decimal("90.0000"), Decimal("100.0000"))),
    ({"min": 5, "max": 5}, (Decimal("5.0000"), Decimal("5.0000"))),
], ids=["min only", "min only, max blank", "max only", "max only, min null", "both", "equal bounds"])
def test_a_number_item_needs_one_bound_not_two(bounds, expected):
    item = clean_item({"code": "ON01", "text": "在线仪表达标率(%)", "kind": "number", "points": 5, **bounds})
    assert (item["min"], item["max"]) == expected


def test_a_number_item_without_a_bound_is_refused_naming_its_code():
    with pytest.raises(ApplicationError) as refused:
        clean_document({"name": "x", "sections": [{"title": "在线监测", "items": [
            {"code": "ON01", "text": "在线仪表达标率(%)", "kind": "number", "points": 5, "min": "", "max": None}]}]})
    assert refused.value.code == ErrorCode.VALIDATION
    assert refused.value.detail["item_code"] == "ON01"
    assert set(refused.value.detail["fields"]) == {"sections.0.items.0.min"}
    assert "ON01" in refused.value.message and "最小值或最大值" in refused.value.message


def test_min_above_max_is_refused_naming_the_item_and_both_values():
    with pytest.raises(ApplicationError) as refused:
        clean_item({"code": "ON02", "text": "出水 pH", "kind": "number", "min": 9, "max": "6.5"})
    assert set(refused.value.detail["fields"]) == {"min"}
    assert "ON02" in refused.value.message and "9" in refused.value.message and "6.5" in refused.value.message


def test_a_one_sided_template_is_created_and_published_through_the_services(world):
    data = [{"title": "在线监测", "items": [
        {"code": "ON01", "text": "在线仪表达标率(%)", "kind": "number", "points": 10, "min": 95},
        {"code": "ON02", "text": "出水氨氮(mg/L)", "kind": "number", "points": 10, "max": 5},
    ]}]
    template = services.template_create(actor=world.people["ops_manager"], name="水厂检查表", sections=data)
    template = services.template_publish(actor=world.people["ops_manager"], template=template)
    items = {item.code: item for item in template.items.all()}
    assert (items["ON01"].min_value, items["ON01"].max_value) == (95, None)
    assert (items["ON02"].min_value, items["ON02"].max_value) == (None, 5)
    assert (items["ON01"].bound_text, items["ON02"].bound_text) == ("≥ 95", "≤ 5")
    assert template.status == "published"
