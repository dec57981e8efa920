"""The analytics figures, asserted exactly on data built for the test: the summary (API contract),
its scopes and periods, the dashboard's breakdowns, and fixed query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.analytics import breakdowns
from dudao.analytics.scope import Period, analytics_scope, period_from
from dudao.core.access import NotFoundInScope
from dudao.core.errors import ApplicationError
from dudao.facts.figures import summary

from .factories import Data, at, d

pytestmark = pytest.mark.django_db

MARCH = Period(d("2025-03-01"), d("2025-03-31"))
TODAY = d("2025-03-20")


@pytest.fixture
def march(world):
    """Inspections, findings and visits around March 2025 (see each line)."""
    data = Data(world)
    data.inspection("store1", "2025-03-02", "80.0")
    data.inspection("store1", "2025-03-15", "90.0", status="acknowledged")
    data.inspection("store2", "2025-03-05", "70.5", inspector="ops_manager")
    data.inspection("store3", "2025-03-06", "100.0")
    data.inspection("store1", "2025-03-07", None, status="draft")
    data.inspection("store2", "2025-02-28", "10.0", hour=23)  # February (local time)
    data.inspection("b_branch", "2025-03-06", "10.0", inspector="b_admin", org=world.other_org)
    f = {
        # critical, on time; 1 day 2 hours to close
        "f1": data.finding("store1", at("2025-03-01", 10), "2025-03-02", closed=at("2025-03-02", 12),
                           severity="critical", category="risk"),
        # high, repeat, closed two days late; 5 days to close
        "f2": data.finding("store1", at("2025-03-03", 10), "2025-03-06", closed=at("2025-03-08", 10),
                           severity="high", repeat=True),
        # medium, still open and past due on the 20th
        "f3": data.finding("store2", at("2025-03-04", 10), "2025-03-11", severity="medium", category="service_quality"),
        # low, open, due on the 25th: not judged on the 20th
        "f4": data.finding("store2", at("2025-03-10", 10), "2025-03-25", severity="low"),
        # medium, repeat, closed late in the evening of its due day (on time); 7 days 13.5 hours
        "f5": data.finding("store3", at("2025-03-05", 10), "2025-03-12", closed=at("2025-03-12", 23, 30),
                           severity="medium", repeat=True),
        # raised in February, due and closed (on time) in March; 9 days
        "f6": data.finding("store3", at("2025-02-20", 10), "2025-03-07", closed=at("2025-03-01", 10), severity="low"),
    }
    data.finding("b_branch", at("2025-03-05", 10), "2025-03-06", severity="critical", org=world.other_org)
    data.visit("store1", "2025-03-02", "done")
    data.visit("store1", "2025-03-16", "planned")
    data.visit("store2", "2025-03-05", "done", supervisor="ops_manager")
    data.visit("store2", "2025-03-20", "cancelled")
    data.visit("store3", "2025-03-06", "done")
    data.visit("store3", "2025-03-28", "planned")
    data.visit("store1", "2025-03-10", "planned", plan_status="draft")
    data.visit("store1", "2025-02-27", "done")
    return f


def figures(world, who: str, unit: str | None = None, period=MARCH, today=TODAY) -> dict:
    actor = world.person(who)
    scope = analytics_scope(actor, world.unit(unit) if unit else None)
    return summary(scope, period, today=today)


def test_whole_organisation_summary(world, march):
    s = figures(world, "admin")
    assert s["inspections"] == 4
    assert s["average_score"] == Decimal("85.1")  # (80 + 90 + 70.5 + 100) / 4 = 85.125
    assert s["findings_by_severity"] == {"critical": 1, "high": 1, "medium": 2, "low": 1}
    assert list(s["findings_by_severity"]) == ["critical", "high", "medium", "low"]
    assert s["repeat_rate"] == Decimal("40.0")  # 2 of 5 raised in March
    # Due in March and decided on the 20th: f1 f2 f3 f5 f6 (f4 not yet due); on time f1 f5 f6.
    assert (s["findings_due"], s["findings_on_time"], s["on_time_closure_rate"]) == (5, 3, Decimal("60.0"))
    # Closed in March: f1 1.083, f2 5, f5 7.5625, f6 9 days -> median (5 + 7.5625) / 2 = 6.28
    assert s["median_closure_days"] == Decimal("6.3")
    assert s["coverage"] == {"visits_planned": 5, "visits_done": 3, "visit_rate": Decimal("60.0"),
                             "units": 3, "units_inspected": 3, "unit_rate": Decimal("100.0")}


def test_a_finding_due_later_is_judged_once_its_due_date_passes(world, march):
    s = figures(world, "admin", today=d("2025-04-10"))
    assert (s["findings_due"], s["findings_on_time"], s["on_time_closure_rate"]) == (6, 3, Decimal("50.0"))


def test_region_scope(world, march):
    for who, unit in (("admin", "east"), ("region_manager", None), ("region_manager", "east")):
        s = figures(world, who, unit)
        assert s["inspections"] == 3 and s["average_score"] == Decimal("80.2")  # 240.5 / 3 = 80.17
        assert s["findings_by_severity"] == {"critical": 1, "high": 1, "medium": 1, "low": 1}
        assert s["repeat_rate"] == Decimal("25.0")
        assert s["on_time_closure_rate"] == Decimal("33.3")  # f1 of f1 f2 f3
        assert s["median_closure_days"] == Decimal("3.0")  # (1.083 + 5) / 2 = 3.04
        assert s["coverage"] == {"visits_planned": 3, "visits_done": 2, "visit_rate": Decimal("66.7"),
                                 "units": 2, "units_inspected": 2, "unit_rate": Decimal("100.0")}


def test_one_store_and_empty_figures_are_null(world, march):
    s = figures(world, "unit_manager")
    assert s["inspections"] == 2 and s["average_score"] == Decimal("85.0")
    empty = figures(world, "admin", period=Period(d("2025-05-01"), d("2025-05-31")), today=d("2025-06-30"))
    assert empty == {
        "inspections": 0, "average_score": None, "findings_by_severity": {"critical": 0, "high": 0, "medium": 0,
                                                                          "low": 0},
        "on_time_closure_rate": None, "median_closure_days": None, "repeat_rate": None,
        "coverage": {"visits_planned": 0, "visits_done": 0, "visit_rate": None, "units": 3, "units_inspected": 0,
                     "unit_rate": Decimal("0.0")},
        "findings": 0, "findings_due": 0, "findings_on_time": 0,
    }


def test_one_day_period_uses_local_days(world, march):
    s = figures(world, "admin", period=Period(d("2025-03-02"), d("2025-03-02")))
    assert s["inspections"] == 1 and s["median_closure_days"] == Decimal("1.1")  # f1: 26 hours


def test_scope_outside_the_actors_reach_is_not_found(world, march):
    with pytest.raises(NotFoundInScope):
        analytics_scope(world.person("region_manager"), world.unit("west"))
    with pytest.raises(NotFoundInScope):
        analytics_scope(world.person("admin"), world.unit("b_root"))
    for who in ("no_role", "staff", "finance"):
        with pytest.raises(NotFoundInScope):
            analytics_scope(world.person(who))


def test_period_defaults_and_refusals():
    assert period_from(None, None, today=d("2025-03-20")) == Period(d("2025-03-01"), d("2025-03-20"))
    assert period_from(d("2025-02-03"), None, today=d("2025-03-20")) == Period(d("2025-02-03"), d("2025-03-20"))
    assert period_from(None, d("2025-02-10"), today=d("2025-03-20")) == Period(d("2025-02-01"), d("2025-02-10"))
    with pytest.raises(ApplicationError) as reversed_period:
        period_from(d("2025-03-02"), d("2025-03-01"))
    assert list(reversed_period.value.detail["fields"]) == ["from"]
    with pytest.raises(ApplicationError):
        period_from(d("2020-01-01"), d("2025-01-01"))


# --- breakdowns -----------------------------------------------------------------------------------
def test_dashboard_breakdowns(world, march):
    scope = analytics_scope(world.person("admin"))
    data = breakdowns.dashboard(scope, MARCH, today=TODAY)
    assert data.summary == figures(world, "admin")

    march_row = data.trend[-1]
    assert len(data.trend) == 12 and data.trend[0]["month"] == "2024-04"
    assert march_row == {"month": "2025-03", "inspections": 4, "average_score": Decimal("85.1"), "findings": 5,
                         "on_time_closure_rate": Decimal("60.0"), "repeat_rate": Decimal("40.0")}
    february = data.trend[-2]
    assert (february["inspections"], february["average_score"], february["findings"]) == (1, Decimal("10.0"), 1)

    # Groups are the root's children with sites or data: the two regions (not the operations center).
    by_name = {g["name"]: g for g in data.groups}
    assert list(by_name) == ["华东区", "华西区"]
    assert data.group_kind == "region"
    east, west = by_name["华东区"], by_name["华西区"]
    assert (east["planned"], east["done"], east["visit_rate"]) == (3, 2, Decimal("66.7"))
    assert (east["critical"], east["high"], east["medium"], east["low"], east["findings"]) == (1, 1, 1, 1, 4)
    assert (east["on_time_closure_rate"], east["average_score"]) == (Decimal("33.3"), Decimal("80.2"))
    assert (west["findings"], west["repeat_rate"], west["on_time_closure_rate"]) == (1, Decimal("100.0"),
                                                                                    Decimal("100.0"))

    assert [(r["rank"], r["name"], r["average_score"]) for r in data.ranking] == [
        (1, "春熙路店", Decimal("100.0")), (2, "南京西路店", Decimal("85.0")), (3, "淮海路店", Decimal("70.5"))]
    assert data.ranking[1]["group"] == "华东区" and data.ranking[1]["findings"] == 2

    # Raised in March: f2 f4 f5 process compliance, f1 risk, f3 service quality (the policy's labels).
    assert [(c["label"], c["count"]) for c in data.categories] == [("流程合规", 3), ("风险", 1), ("服务质量", 1)]

    people = {row["name"]: row for row in data.supervisors}
    supervisor, ops = people["supervisor"], people["ops_manager"]
    assert (supervisor["planned"], supervisor["done"], supervisor["visit_rate"]) == (4, 2, Decimal("50.0"))
    assert (supervisor["inspections"], ops["inspections"], ops["planned"], ops["done"]) == (3, 1, 1, 1)


def test_region_scope_groups_are_its_stores(world, march):
    scope = analytics_scope(world.person("region_manager"))
    data = breakdowns.dashboard(scope, MARCH, today=TODAY)
    assert [g["name"] for g in data.groups] == ["南京西路店", "淮海路店"]
    assert [g["findings"] for g in data.groups] == [2, 2]


def test_supervisor_findings_per_inspection_and_closure(world):
    data = Data(world)
    one = data.inspection("store1", "2025-03-02", "80.0")
    two = data.inspection("store2", "2025-03-03", "90.0")
    data.finding("store1", at("2025-03-02"), "2025-03-09", closed=at("2025-03-05"), inspection=one)
    data.finding("store1", at("2025-03-02"), "2025-03-09", inspection=one)
    data.finding("store2", at("2025-03-03"), "2025-03-10", closed=at("2025-03-04"), inspection=two)
    scope = analytics_scope(world.person("admin"))
    row = breakdowns.dashboard(scope, MARCH, today=TODAY).supervisors[0]
    assert (row["name"], row["inspections"], row["findings"], row["findings_per_inspection"], row["closed"],
            row["closure_rate"]) == ("supervisor", 2, 3, Decimal("1.5"), 2, Decimal("66.7"))


# --- query counts ---------------------------------------------------------------------------------
def _queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_summary_and_dashboard_query_counts_do_not_grow_with_data(world):
    data = Data(world)
    scope = analytics_scope(world.person("admin"))
    data.inspection("store1", "2025-03-02", "80.0")
    summary(scope, MARCH, today=TODAY)  # the first read after changes recomputes the months they marked
    small_summary = _queries(lambda: summary(scope, MARCH, today=TODAY))
    small_dashboard = _queries(lambda: breakdowns.dashboard(scope, MARCH, today=TODAY))
    for unit in ("store1", "store2", "store3"):
        for day in range(1, 10):
            inspection = data.inspection(unit, f"2025-03-{day:02d}", "90.0")
            data.finding(unit, at(f"2025-03-{day:02d}"), f"2025-03-{day + 5:02d}", closed=at(f"2025-03-{day + 1:02d}"),
                         inspection=inspection)
            data.visit(unit, f"2025-03-{day:02d}", "done")
    summary(scope, MARCH, today=TODAY)
    # A whole month not yet over on TODAY: marks, the month's counts, closure times, units inspected,
    # the on-time rate from the records (the month has not ended), sites.
    assert _queries(lambda: summary(scope, MARCH, today=TODAY)) == small_summary == 6
    assert _queries(lambda: breakdowns.dashboard(scope, MARCH, today=TODAY)) == small_dashboard
