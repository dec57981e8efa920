"""Periods: each kind of period a rule or plan uses, and the periods a span overlaps."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.planning.periods import plan_period, window_of, windows_overlapping

D = dt.date


@pytest.mark.parametrize(("period", "day", "window"), [
    ("week", D(2027, 1, 1), (D(2026, 12, 28), D(2027, 1, 3))),
    ("week", D(2026, 11, 23), (D(2026, 11, 23), D(2026, 11, 29))),
    ("month", D(2028, 2, 10), (D(2028, 2, 1), D(2028, 2, 29))),
    ("month", D(2027, 12, 31), (D(2027, 12, 1), D(2027, 12, 31))),
    ("quarter", D(2027, 5, 17), (D(2027, 4, 1), D(2027, 6, 30))),
    ("quarter", D(2027, 12, 1), (D(2027, 10, 1), D(2027, 12, 31))),
    ("half_year", D(2027, 6, 30), (D(2027, 1, 1), D(2027, 6, 30))),
    ("half_year", D(2027, 7, 1), (D(2027, 7, 1), D(2027, 12, 31))),
    ("year", D(2027, 8, 8), (D(2027, 1, 1), D(2027, 12, 31))),
])
def test_the_window_of_each_period_kind(period, day, window):
    assert window_of(period, day) == window


def test_an_unknown_period_fails_loudly():
    with pytest.raises(ValueError):
        window_of("fortnight", D(2027, 1, 1))


def test_windows_overlapping_a_span():
    assert windows_overlapping("week", D(2027, 2, 1), D(2027, 2, 28)) == [
        (D(2027, 2, 1), D(2027, 2, 7)), (D(2027, 2, 8), D(2027, 2, 14)), (D(2027, 2, 15), D(2027, 2, 21)),
        (D(2027, 2, 22), D(2027, 2, 28))]
    assert len(windows_overlapping("week", D(2027, 1, 1), D(2027, 12, 31))) == 53
    assert len(windows_overlapping("month", D(2027, 1, 1), D(2027, 12, 31))) == 12
    assert windows_overlapping("quarter", D(2027, 3, 15), D(2027, 4, 15)) == [
        (D(2027, 1, 1), D(2027, 3, 31)), (D(2027, 4, 1), D(2027, 6, 30))]
    assert windows_overlapping("half_year", D(2027, 1, 1), D(2027, 12, 31)) == [
        (D(2027, 1, 1), D(2027, 6, 30)), (D(2027, 7, 1), D(2027, 12, 31))]
    assert windows_overlapping("year", D(2027, 1, 1), D(2027, 3, 31)) == [(D(2027, 1, 1), D(2027, 12, 31))]


@pytest.mark.parametrize(("kind", "day", "period"), [
    ("week", D(2026, 11, 26), (D(2026, 11, 23), D(2026, 11, 29))),
    ("month", D(2026, 11, 26), (D(2026, 11, 1), D(2026, 11, 30))),
    ("quarter", D(2026, 11, 26), (D(2026, 10, 1), D(2026, 12, 31))),
    ("year", D(2026, 11, 26), (D(2026, 1, 1), D(2026, 12, 31))),
])
def test_a_plan_kind_gives_its_natural_period(kind, day, period):
    assert plan_period(kind, day) == period
