"""Coverage rules: every period kind is evaluated, share and per-unit measures, planned and done."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from dudao.org import services as org_services
from dudao.org.choices import UnitKind
from dudao.org.testing import build_world
from dudao.planning.coverage import UnitRef, VisitFact, evaluate_rule, plan_coverage
from dudao.planning.services import visit_mark_done
from dudao.planning.tests.factories import add_visits, inspection, make_plan, monday, publish
from dudao.policies.choices import Period
from dudao.policies.schema import CoverageRule
from dudao.policies.services import policy_version_create

D = dt.date
STORES = [UnitRef(i, f"店{i}", f"S{i}", "store", f"/1/2/{i}/") for i in range(10, 14)]


def rule(period, *, share=None, visits=None, by_assigned=False, kind="store"):
    return CoverageRule(
        code=f"{period}_rule", description=f"{period} rule", unit_kind=kind, period=period,
        min_share=share, min_visits_per_unit=visits, by_assigned_supervisor=by_assigned,
    )


def facts(days_by_unit, person=1):
    return [VisitFact(unit_id, person, day) for unit_id, days in days_by_unit.items() for day in days]


# One full period of each kind, starting on Monday 2027-01-04 where the kind allows.
FULL_PERIODS = {
    Period.WEEK: (D(2027, 1, 4), D(2027, 1, 10)),
    Period.MONTH: (D(2027, 2, 1), D(2027, 2, 28)),
    Period.QUARTER: (D(2027, 4, 1), D(2027, 6, 30)),
    Period.HALF_YEAR: (D(2027, 7, 1), D(2027, 12, 31)),
    Period.YEAR: (D(2027, 1, 1), D(2027, 12, 31)),
}


def test_every_period_kind_the_product_offers_is_tested():
    assert set(FULL_PERIODS) == set(Period.values)


@pytest.mark.parametrize("period", list(FULL_PERIODS))
def test_a_per_unit_rule_of_each_period_kind_is_evaluated(period):
    start, end = FULL_PERIODS[period]
    nothing = evaluate_rule(rule(period, visits=1), units=STORES, period_start=start, period_end=end,
                            planned=[], done=[])
    assert len(nothing.windows) == 1 and nothing.windows[0].start == start and nothing.windows[0].end == end
    assert (nothing.required, nothing.planned, nothing.satisfied) == (4, 0, False)
    assert nothing.missing_unit_ids == [10, 11, 12, 13]
    assert nothing.problems and "4 家" in nothing.problems[0]

    three = facts({10: [start], 11: [end], 12: [start + dt.timedelta(days=2)]})
    partly = evaluate_rule(rule(period, visits=1), units=STORES, period_start=start, period_end=end,
                           planned=three, done=three[:1])
    assert (partly.required, partly.planned, partly.done, partly.satisfied) == (4, 3, 1, False)
    assert partly.missing_unit_ids == [13]

    everyone = three + facts({13: [end]})
    full = evaluate_rule(rule(period, visits=1), units=STORES, period_start=start, period_end=end,
                         planned=everyone, done=[])
    assert (full.required, full.planned, full.satisfied, full.missing_unit_ids) == (4, 4, True, [])


@pytest.mark.parametrize("period", list(FULL_PERIODS))
def test_a_share_rule_of_each_period_kind_is_evaluated(period):
    start, end = FULL_PERIODS[period]
    one = facts({10: [start]})
    short = evaluate_rule(rule(period, share="0.5"), units=STORES, period_start=start, period_end=end,
                          planned=one, done=[])
    assert (short.required, short.planned, short.satisfied) == (2, 1, False)
    # The candidates for the missing share are the units not yet visited.
    assert short.missing_unit_ids == [11, 12, 13]
    enough = evaluate_rule(rule(period, share="0.5"), units=STORES, period_start=start, period_end=end,
                           planned=one + facts({12: [end]}), done=[])
    assert (enough.required, enough.planned, enough.satisfied, enough.missing_unit_ids) == (2, 2, True, [])


def test_visits_outside_the_period_do_not_count():
    start, end = FULL_PERIODS[Period.WEEK]
    outside = facts({10: [start - dt.timedelta(days=1)], 11: [end + dt.timedelta(days=1)]})
    result = evaluate_rule(rule("week", visits=1), units=STORES, period_start=start, period_end=end,
                           planned=outside, done=[])
    assert result.planned == 0


def test_a_weekly_rule_under_a_month_plan_asks_for_every_week():
    start, end = FULL_PERIODS[Period.MONTH]  # February 2027: four whole weeks
    weekly = facts({u.id: [D(2027, 2, 1), D(2027, 2, 8), D(2027, 2, 15)] for u in STORES})
    result = evaluate_rule(rule("week", visits=1), units=STORES, period_start=start, period_end=end,
                           planned=weekly, done=[])
    assert [w.start for w in result.windows] == [D(2027, 2, 1), D(2027, 2, 8), D(2027, 2, 15), D(2027, 2, 22)]
    assert (result.required, result.planned, result.satisfied) == (16, 12, False)
    assert [w.satisfied for w in result.windows] == [True, True, True, False]
    assert "2027-02-22" in result.problems[0]


def test_a_week_running_on_after_the_plan_asks_only_for_its_share():
    # March 2027 ends on a Wednesday: three days of the last week, less than half, owe nothing yet.
    march = evaluate_rule(rule("week", visits=1), units=STORES, period_start=D(2027, 3, 1), period_end=D(2027, 3, 31),
                          planned=facts({u.id: [D(2027, 3, d) for d in (1, 8, 15, 22)] for u in STORES}), done=[])
    last = march.windows[-1]
    assert (last.start, last.counted_until, last.prorated, last.required) == (
        D(2027, 3, 29), D(2027, 3, 31), True, 0)
    assert march.satisfied
    # April's plan owes the whole of that week, and a visit made in March's part of it counts.
    april = evaluate_rule(rule("week", visits=1), units=STORES, period_start=D(2027, 4, 1), period_end=D(2027, 4, 4),
                          planned=facts({10: [D(2027, 3, 30)], 11: [D(2027, 4, 2)]}), done=[])
    assert [(w.start, w.required, w.planned) for w in april.windows] == [(D(2027, 3, 29), 4, 2)]


def test_a_year_rule_under_a_quarter_plan_is_prorated_and_still_runs():
    # The classic bug: a yearly 100% rule never judged by quarterly plans.
    units = [UnitRef(i, f"网点{i}", f"B{i}", "branch", f"/1/{i}/") for i in range(1, 13)]
    year_rule = rule("year", share="1", kind="branch")
    q1 = evaluate_rule(year_rule, units=units, period_start=D(2027, 1, 1), period_end=D(2027, 3, 31),
                       planned=[], done=[])
    assert q1.windows[0].prorated and q1.required == 3  # ceil(12 * 90/365)
    assert not q1.satisfied
    q4_visits = facts({i: [D(2027, 2, 1)] for i in range(1, 12)})  # 11 of 12 seen earlier in the year
    q4 = evaluate_rule(year_rule, units=units, period_start=D(2027, 10, 1), period_end=D(2027, 12, 31),
                       planned=q4_visits, done=[])
    assert not q4.windows[0].prorated
    assert (q4.required, q4.planned, q4.satisfied, q4.missing_unit_ids) == (12, 11, False, [12])


def test_only_the_assigned_supervisor_counts_when_the_rule_says_so():
    start, end = FULL_PERIODS[Period.WEEK]
    visits = [VisitFact(10, 7, start), VisitFact(11, 8, start)]
    result = evaluate_rule(rule("week", visits=1, by_assigned=True), units=STORES[:2], period_start=start,
                           period_end=end, planned=visits, done=[], assigned={10: {7}, 11: {7}})
    assert (result.planned, result.missing_unit_ids, result.ignored_visits) == (1, [11], 1)
    assert any("不计入" in problem for problem in result.problems)


def test_units_of_other_kinds_are_not_judged():
    result = evaluate_rule(rule("week", visits=1, kind="branch"), units=STORES, period_start=D(2027, 1, 4),
                           period_end=D(2027, 1, 10), planned=[], done=[])
    assert (result.unit_count, result.required, result.satisfied) == (0, 0, True)
    assert result.problems


# --- against the database ------------------------------------------------------------------------
def test_every_period_kind_in_policy_is_evaluated_for_a_plan(world):
    """A policy with a rule of each period kind: a year plan judges all five, none silently skipped."""
    policy_version_create(
        actor=world.people["admin"], organization=world.org, effective_from=timezone.localdate(),
        overrides={"plans": {"coverage_rules": [
            {"code": f"{p}_all", "description": f"每{p}全覆盖", "unit_kind": "store", "period": p,
             "min_visits_per_unit": 1}
            for p in Period.values
        ]}},
    )
    start = D(timezone.localdate().year + 1, 1, 1)
    plan = make_plan(world, actor="admin", scope="root", kind="year", start=start,
                     end=D(start.year, 12, 31), title="年度计划")
    rules = {r.code: r for r in plan_coverage(plan)}
    assert set(rules) == {f"{p}_all" for p in Period.values}
    expected_windows = {"week": len({(start + dt.timedelta(days=n)).isocalendar()[:2] for n in range(365)}),
                        "month": 12, "quarter": 4, "half_year": 2, "year": 1}
    for period, count in expected_windows.items():
        result = rules[f"{period}_all"]
        assert len(result.windows) == count, period
        assert result.unit_count == 3 and result.required > 0 and not result.satisfied, period
    # One visit to every store on the first day satisfies the year but not the weeks after.
    first_weekday = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    add_visits(world, plan, [(key, "supervisor", first_weekday) for key in ("store1", "store2")]
               + [("store3", "admin", first_weekday)], actor="admin")
    rules = {r.code: r for r in plan_coverage(plan)}
    assert rules["year_all"].satisfied and not rules["week_all"].satisfied
    assert rules["quarter_all"].windows[0].satisfied and not rules["quarter_all"].windows[1].satisfied


def test_restaurant_week_plan_every_store_by_its_supervisor(world):
    plan = make_plan(world)
    start = plan.period_start
    result = plan_coverage(plan)[0]
    assert (result.code, result.required, result.planned, result.satisfied) == ("store_weekly", 2, 0, False)
    assert result.missing_unit_ids == sorted([world.units["store1"].pk, world.units["store2"].pk])
    # A visit by the administrator is not by the stores' own supervisor.
    add_visits(world, plan, [("store1", "admin", start)])
    assert plan_coverage(plan)[0].planned == 0
    add_visits(world, plan, [("store1", "supervisor", start + dt.timedelta(days=1)),
                             ("store2", "supervisor", start + dt.timedelta(days=2))])
    result = plan_coverage(plan)[0]
    assert (result.planned, result.done, result.satisfied, result.missing_unit_ids) == (2, 0, True, [])


def test_done_counts_visits_marked_done_and_ad_hoc_inspections(world):
    start = monday(0)
    plan = make_plan(world, start=start)
    visits = add_visits(world, plan, [("store1", "supervisor", start), ("store2", "supervisor", start)])
    publish(world, plan)
    assert plan_coverage(plan)[0].done == 0
    made = inspection(world, unit="store1", visit=visits[0],
                      at=timezone.make_aware(dt.datetime.combine(start, dt.time(10))))
    visit_mark_done(visit=visits[0], inspection=made)
    assert plan_coverage(plan)[0].done == 1
    inspection(world, unit="store2", at=timezone.make_aware(dt.datetime.combine(start, dt.time(15))))
    assert plan_coverage(plan)[0].done == 2
    # A draft (unsubmitted) ad hoc inspection counts for nothing.
    inspection(world, unit="store2", status="draft")
    assert plan_coverage(plan)[0].done == 2


def test_published_plans_count_toward_another_plans_coverage_and_drafts_do_not(world):
    start = monday()
    # Other plans of the week (one plan per scope, kind and period): the whole company's, and a monthly draft.
    published = make_plan(world, actor="admin", scope="root", title="已发布")
    add_visits(world, published, [("store1", "supervisor", start)], actor="admin")
    publish(world, published, actor="admin")
    draft = make_plan(world, kind="month", end=start + dt.timedelta(days=27), title="另一草稿")
    add_visits(world, draft, [("store2", "supervisor", start)])
    mine = make_plan(world, title="本计划")
    result = plan_coverage(mine)[0]
    assert result.planned == 1 and result.missing_unit_ids == [world.units["store2"].pk]


def test_bank_pack_share_rules_per_quarter_and_year(db):
    world_bank = build_world("bank_branches")
    admin = world_bank.people["admin"]
    for n in range(1, 9):
        org_services.unit_create(actor=admin, parent=world_bank.units["east"], code=f"B{n}", name=f"支行{n}",
                                 kind=UnitKind.BRANCH)
    year = timezone.localdate().year + 1
    plan = make_plan(world_bank, actor="supervisor", kind="quarter", start=D(year, 1, 1), end=D(year, 3, 31),
                     title="一季度检查计划")
    rules = {r.code: r for r in plan_coverage(plan)}
    assert rules["branch_quarterly_share"].required == 2  # 25% of 8
    assert rules["branch_yearly_all"].required == 2  # ceil(8 * 90/365): on track for the year
    assert rules["branch_yearly_all"].windows[0].prorated
    assert not any(r.satisfied for r in rules.values())


def test_the_policy_in_force_at_the_plan_start_decides(world):
    later = timezone.localdate() + dt.timedelta(days=30)
    policy_version_create(actor=world.people["admin"], organization=world.org, effective_from=later,
                          overrides={"plans": {"coverage_rules": []}})
    assert [r.code for r in plan_coverage(make_plan(world))] == ["store_weekly"]
    after = later + dt.timedelta(days=7 - later.weekday())
    assert plan_coverage(make_plan(world, start=after, title="之后")) == []


def test_a_rule_object_exposes_the_contract_fields():
    result = evaluate_rule(rule("week", visits=1), units=STORES, period_start=D(2027, 1, 4),
                           period_end=D(2027, 1, 10), planned=[], done=[])
    body = result.as_dict()
    assert set(body) >= {"code", "description", "required", "planned", "done", "satisfied", "missing_unit_ids"}
    assert SimpleNamespace(**body).missing_unit_ids == [10, 11, 12, 13]
