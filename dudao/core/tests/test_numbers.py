"""Numbers and money as a Chinese office writes and types them, the same in both languages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from dudao.core.errors import ApplicationError
from dudao.core.numbers import amount, grouped, money, parse_number


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_figures_are_grouped_and_money_has_two_decimals_in_both_languages(language):
    with translation.override(language):
        assert grouped(Decimal("1234567.5000")) == "1,234,567.5"
        assert grouped(Decimal("1.2E+6")) == "1,200,000"
        assert amount(Decimal("16518")) == "16,518.00"
        assert money("5160") == "¥5,160.00"
        assert money("-3188") == "-¥3,188.00"
        assert money(None) == amount("") == "—"
        rendered = Template("{% load numbers %}{{ a|amount }} {{ b|grouped }} {{ c|money }} {{ d|grouped }}").render(
            Context({"a": Decimal("1200.5"), "b": 4242, "c": Decimal("0"), "d": "无"}))
        assert rendered == "1,200.50 4,242 ¥0.00 无"


@pytest.mark.parametrize(("typed", "places", "expected"), [
    ("1,234.5", None, Decimal("1234.5")), ("￥3 000元", None, Decimal("3000")), ("95%", None, Decimal("95")),
    ("12，345", 2, Decimal("12345.00")), ("-0.5", 1, Decimal("-0.5")),
])
def test_a_number_is_read_as_people_type_it(typed, places, expected):
    assert parse_number(typed, "value", places=places) == expected


@pytest.mark.parametrize(("typed", "places", "message"), [
    ("三十五万", None, "不是有效的数字"), ("", None, "不是有效的数字"), ("1e20", None, "不是有效的数字"),
    ("NaN", None, "不是有效的数字"), ("1.25", 1, "最多 1 位小数"),
])
def test_a_bad_number_is_refused_naming_the_field(typed, places, message):
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as refused:
        parse_number(typed, "fine", places=places)
    assert message in refused.value.message
    assert list(refused.value.detail["fields"]) == ["fine"]
