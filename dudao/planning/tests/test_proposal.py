"""Plan proposals: every rule satisfied, load spread evenly, the units that most need a visit first."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from dudao.org import services as org_services
from dudao.org.choices import Role, UnitKind
from dudao.org.testing import build_world
from dudao.planning.coverage import plan_coverage
from dudao.planning.proposal import propose_visits
from dudao.planning.services import VisitInput, plan_visits_add
from dudao.planning.tests.factories import add_visits, inspection, make_plan, monday

D = dt.date


def grow_east(world, stores=6, supervisors=2):
    """More stores in the east region, and more supervisors on it."""
    admin = world.people["admin"]
    for n in range(stores):
        org_services.unit_create(actor=admin, parent=world.units["east"], code=f"E{n}", name=f"华东{n}店",
                                 kind=UnitKind.STORE)
    people = [world.person("supervisor")]
    for n in range(supervisors - 1):
        person = org_services.person_create(actor=admin, username=f"sup{n}", display_name=f"督导{n}",
                                            password="Long-pass-2026!")
        org_services.role_grant(actor=admin, person=person, role=Role.SUPERVISOR, unit=world.units["east"])
        people.append(person)
    return people


def test_a_week_proposal_visits_every_store_once_and_satisfies_the_rule(world):
    plan = make_plan(world)
    proposal = propose_visits(plan, supervisors=[world.person("supervisor")], not_before=plan.period_start)
    assert sorted(v.unit.id for v in proposal.visits) == sorted([world.units["store1"].pk, world.units["store2"].pk])
    assert all(v.supervisor.pk == world.people["supervisor"].pk for v in proposal.visits)
    assert all(plan.period_start <= v.date <= plan.period_end and v.date.weekday() < 5 for v in proposal.visits)
    assert len({v.date for v in proposal.visits}) == 2  # one a day, not both on Monday
    assert proposal.problems == []
    assert all(rule.satisfied for rule in proposal.coverage)
    # Nothing was saved.
    assert plan.visits.count() == 0


def test_visits_are_spread_evenly_across_supervisors_and_days(world):
    supervisors = grow_east(world, stores=8, supervisors=2)
    plan = make_plan(world)
    proposal = propose_visits(plan, supervisors=supervisors, not_before=plan.period_start)
    assert len(proposal.visits) == 10
    per_person = Counter(v.supervisor.pk for v in proposal.visits)
    assert sorted(per_person.values()) == [5, 5]
    per_person_day = Counter((v.supervisor.pk, v.date) for v in proposal.visits)
    assert max(per_person_day.values()) == 1  # five weekdays, five visits each: one a day
    assert all(v.date.weekday() < 5 for v in proposal.visits)


def test_units_with_more_open_findings_and_lower_scores_come_first(world):
    from dudao.findings.models import Finding

    grow_east(world, stores=3, supervisors=1)
    plan = make_plan(world)
    week_ago = timezone.now() - dt.timedelta(days=7)
    inspection(world, unit="store1", at=week_ago, score="95.0")
    low = inspection(world, unit="store2", at=week_ago, score="61.5")
    today = timezone.localdate()
    for n, due in enumerate([today - dt.timedelta(days=2), today + dt.timedelta(days=5)]):
        Finding.objects.create(
            organization=world.org, unit=world.units["store2"], source="inspection", inspection=low,
            title=f"问题{n}", severity="high", status="open", due_date=due, policy_due_date=due,
            created_by=world.person("supervisor"), created_at=timezone.now(),
        )
    proposal = propose_visits(plan, supervisors=[world.person("supervisor")], not_before=plan.period_start)
    first = proposal.visits[0]
    assert first.unit.id == world.units["store2"].pk and first.date == plan.period_start
    assert "2 个未关闭问题(1 个超期)" in first.reasons and "最近得分 61.5" in first.reasons
    store1 = next(v for v in proposal.visits if v.unit.id == world.units["store1"].pk)
    assert "最近得分 95.0" in store1.reasons
    # Never inspected ranks before a well-scored store.
    never = [v for v in proposal.visits if "近一年未检查" in v.reasons]
    assert never and all(v.date < store1.date for v in never)


def test_only_what_is_missing_is_proposed(world):
    plan = make_plan(world)
    add_visits(world, plan, [("store1", "supervisor", plan.period_start)])
    proposal = propose_visits(plan, supervisors=[world.person("supervisor")], not_before=plan.period_start)
    assert [v.unit.id for v in proposal.visits] == [world.units["store2"].pk]
    assert proposal.visits[0].date != plan.period_start  # the supervisor is busy on Monday already


def test_a_supervisor_not_assigned_to_the_stores_cannot_satisfy_the_rule_and_says_why(world):
    plan = make_plan(world, actor="admin", scope="root")
    proposal = propose_visits(plan, supervisors=[world.person("supervisor")], not_before=plan.period_start)
    # The east supervisor covers store1 and store2; nobody chosen covers the west region's store3.
    assert sorted(v.unit.id for v in proposal.visits) == sorted([world.units["store1"].pk, world.units["store2"].pk])
    assert any("春熙路店" in problem for problem in proposal.problems)
    assert not proposal.coverage[0].satisfied
    assert proposal.coverage[0].missing_unit_ids == [world.units["store3"].pk]


def test_a_period_already_over_cannot_be_planned_and_is_explained(world):
    start = monday(0) - dt.timedelta(days=7)
    plan = make_plan(world, start=start, title="上周")
    proposal = propose_visits(plan, supervisors=[world.person("supervisor")], not_before=timezone.localdate())
    assert proposal.visits == []
    assert any("已经过去" in problem for problem in proposal.problems)


def test_no_supervisor_chosen_is_explained(world):
    proposal = propose_visits(make_plan(world), supervisors=[])
    assert proposal.visits == [] and proposal.problems == ["请至少选择一名督导"]


def test_a_bank_quarter_proposal_meets_the_quarter_share_and_the_year_pace(db):
    world = build_world("bank_branches")
    admin = world.people["admin"]
    for n in range(1, 13):
        org_services.unit_create(actor=admin, parent=world.units["east"], code=f"B{n}", name=f"支行{n}",
                                 kind=UnitKind.BRANCH)
    year = timezone.localdate().year + 1
    plan = make_plan(world, kind="quarter", start=D(year, 1, 1), end=D(year, 3, 31), title="一季度")
    proposal = propose_visits(plan, supervisors=[world.person("supervisor")], not_before=plan.period_start)
    assert len(proposal.visits) == 3  # ceil(25% of 12); the year's pace (ceil(12 * 90/365) = 3) is met too
    assert len({v.unit.id for v in proposal.visits}) == 3
    assert all(rule.satisfied for rule in proposal.coverage), [r.problems for r in proposal.coverage]
    # Saved, the plan covers what the proposal said it would.
    plan_visits_add(actor=world.person("supervisor"), plan=plan, visits=[
        VisitInput(unit=_unit(v.unit.id), supervisor=v.supervisor, date=v.date)
        for v in proposal.visits
    ])
    assert all(rule.satisfied for rule in plan_coverage(plan))


def _unit(pk):
    from dudao.org.models import Unit

    return Unit.objects.get(pk=pk)


def test_a_month_plan_proposes_every_week(world):
    today = timezone.localdate()
    first = (today.replace(day=1) + dt.timedelta(days=62)).replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    plan = make_plan(world, kind="month", start=first, end=last, title="月计划")
    proposal = propose_visits(plan, supervisors=[world.person("supervisor")], not_before=first)
    assert all(rule.satisfied for rule in proposal.coverage), [r.problems for r in proposal.coverage]
    weeks = {v.date.isocalendar()[:2] for v in proposal.visits}
    assert len(weeks) >= 4
