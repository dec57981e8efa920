"""The scoring rule of DESIGN.md 2.3, table-driven: every kind, N/A, red line, rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dudao.checklists.models import Item
from dudao.inspections import scoring

D = Decimal


def item(kind, points=10, **fields):
    return Item(code=fields.pop("code", "X"), text="x", kind=kind, points=D(str(points)), **fields)


CHOICES = [{"label": "优", "points": 10, "fails": False}, {"label": "良", "points": 6, "fails": False},
           {"label": "差", "points": 2, "fails": True}]


@pytest.mark.parametrize(("the_item", "value", "earned", "possible", "failed"), [
    (item("check"), "pass", D(10), D(10), False),
    (item("check"), "fail", D(0), D(10), True),
    (item("score", points=10), "10", D(10), D(10), False),
    (item("score", points=10), "9.5", D("9.5"), D(10), True),  # pass_points defaults to points
    (item("score", points=10, pass_points=D(8)), "8", D(8), D(10), False),
    (item("score", points=10, pass_points=D(8)), "7.99", D("7.99"), D(10), True),
    (item("score", points=10, pass_points=D(8)), "0", D(0), D(10), True),
    (item("number", points=5, min_value=D(0), max_value=D(5)), "0", D(5), D(5), False),
    (item("number", points=5, min_value=D(0), max_value=D(5)), "5", D(5), D(5), False),
    (item("number", points=5, min_value=D(0), max_value=D(5)), "5.01", D(0), D(5), True),
    (item("number", points=5, min_value=D(95), max_value=D(100)), "94.9", D(0), D(5), True),
    # One bound: the other side is unbounded ("在线仪表达标率 >= 95%", "氨氮 <= 5").
    (item("number", points=5, min_value=D(95)), "95", D(5), D(5), False),
    (item("number", points=5, min_value=D(95)), "1000000", D(5), D(5), False),
    (item("number", points=5, min_value=D(95)), "94.99", D(0), D(5), True),
    (item("number", points=5, max_value=D(5)), "5", D(5), D(5), False),
    (item("number", points=5, max_value=D(5)), "-40", D(5), D(5), False),
    (item("number", points=5, max_value=D(5)), "5.01", D(0), D(5), True),
    (item("number", points=5, max_value=D(-18)), "-17.5", D(0), D(5), True),
    (item("choice", points=0, options=CHOICES), "优", D(10), D(10), False),
    (item("choice", points=0, options=CHOICES), "良", D(6), D(10), False),
    (item("choice", points=0, options=CHOICES), "差", D(2), D(10), True),
])
def test_each_kind_earns_and_fails_by_the_rule(the_item, value, earned, possible, failed):
    result = scoring.score_item(the_item, scoring.normalise(the_item, value))
    assert (result.earned, result.possible, result.failed, result.na) == (earned, possible, failed, False)


@pytest.mark.parametrize("kind", ["check", "score", "number", "choice"])
def test_na_is_excluded_from_both_sums(kind):
    the_item = item(kind, min_value=D(0), max_value=D(1), options=CHOICES)
    result = scoring.score_item(the_item, scoring.normalise(the_item, "na"))
    assert (result.earned, result.possible, result.failed, result.na) == (None, None, False, True)


@pytest.mark.parametrize("kind", ["text", "photo"])
def test_evidence_items_never_score_or_fail(kind):
    the_item = item(kind, points=0)
    result = scoring.score_item(the_item, scoring.normalise(the_item, "任意文字"))
    assert (result.earned, result.possible, result.failed) == (None, None, False)


@pytest.mark.parametrize(("the_item", "value"), [
    (item("check"), "maybe"),
    (item("check"), None),
    (item("score", points=10), "11"),
    (item("score", points=10), "-1"),
    (item("score", points=10), "ten"),
    (item("score", points=10), True),
    (item("number", min_value=D(0), max_value=D(5)), "NaN"),
    (item("choice", options=CHOICES), "中"),
    (item("choice", options=CHOICES), 7),
    (item("text", points=0), 12),
])
def test_invalid_answers_are_refused(the_item, value):
    with pytest.raises(scoring.AnswerInvalid):
        scoring.normalise(the_item, value)


def test_choice_accepts_an_option_index():
    the_item = item("choice", options=CHOICES)
    assert scoring.normalise(the_item, 1) == "良"


def combine(pairs, pass_mark=80, decimals=1):
    results = [(it, scoring.score_item(it, scoring.normalise(it, value))) for it, value in pairs]
    return scoring.score_inspection(results, pass_mark=D(pass_mark), decimals=decimals)


def test_score_is_earned_over_possible_with_na_excluded():
    pairs = [(item("check", points=10), "pass"), (item("check", points=10), "fail"),
             (item("check", points=30), "na"), (item("score", points=20, pass_points=D(10)), "15")]
    result = combine(pairs)
    assert (result.earned, result.possible) == (D(25), D(40))
    assert result.score == D("62.5") and result.passed is False and result.critical_failed is False


@pytest.mark.parametrize(("earned", "possible", "expected"), [
    (2, 3, D("66.7")),    # 66.666… rounds half up at one decimal
    (1, 3, D("33.3")),
    (1, 8, D("12.5")),
    (1, 16, D("6.3")),    # 6.25 -> 6.3 (half up, not banker's 6.2)
    (799, 1000, D("79.9")),
    (7996, 10000, D("80.0")),
])
def test_rounding_is_half_up_to_one_decimal(earned, possible, expected):
    pairs = [(item("score", points=possible, pass_points=D(0)), str(earned))]
    assert combine(pairs).score == expected


def test_pass_mark_is_inclusive():
    assert combine([(item("score", points=100, pass_points=D(0)), "80")]).passed is True
    assert combine([(item("score", points=100, pass_points=D(0)), "79.9")]).passed is False


def test_failed_red_line_fails_whatever_the_score():
    pairs = [(item("check", points=100), "pass"), (item("check", points=1, critical=True), "fail")]
    result = combine(pairs)
    assert result.score == D("99.0") and result.critical_failed is True and result.passed is False


def test_red_line_answered_na_does_not_fail():
    result = combine([(item("check", points=10), "pass"), (item("check", critical=True), "na")])
    assert result.critical_failed is False and result.passed is True


def test_all_na_has_no_score_and_passes():
    result = combine([(item("check"), "na"), (item("score"), "na")])
    assert result.score is None and result.passed is True


def test_policy_decimals_are_respected():
    pairs = [(item("score", points=3, pass_points=D(0)), "2")]
    assert combine(pairs, decimals=0).score == D("67")
    assert combine(pairs, decimals=2).score == D("66.67")


@pytest.mark.parametrize(("low", "high", "measured", "inside"), [
    (D(90), D(100), D(90), True), (D(90), D(100), D(100), True), (D(90), D(100), D("100.01"), False),
    (D(95), None, D(95), True), (D(95), None, D("94.9"), False),
    (None, D(5), D(5), True), (None, D(5), D("5.1"), False),
])
def test_within_bounds_treats_a_missing_bound_as_unbounded(low, high, measured, inside):
    assert scoring.within_bounds(measured, low, high) is inside
