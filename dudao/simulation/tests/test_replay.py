"""The replay: exact before/after figures on a hand-built January (see data.py), nothing written,
refusals naming the key, and a query count that does not grow with the number of units."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.analytics.tests.factories import Data, at
from dudao.appraisal import services as appraisal_services
from dudao.appraisal.tests.factories import kpi_value
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import AuditEvent
from dudao.findings.models import Finding
from dudao.org import services as org_services
from dudao.org.choices import UnitKind
from dudao.simulation.replay import simulate

from .data import FROM, NOW, TO, by, january

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


def run(world, overrides, actor="ops_manager", date_from=FROM, date_to=TO):
    return simulate(actor=world.person(actor), overrides=overrides, date_from=D(date_from), date_to=D(date_to),
                    now=NOW)


def test_raising_the_pass_marks_to_85_fails_one_inspection_and_makes_store2_a_key_target(world):
    rows = january(world)
    result = run(world, {"inspections": {"pass_mark": 85}, "evaluation": {"pass_mark": 85}})
    changes, summary = result["changes"], result["summary"]
    store1, store2 = world.units["store1"].pk, world.units["store2"].pk

    # Inspection a (82) passes at 80 and fails at 85; b (90) and c (78) keep their verdicts.
    assert by(changes, "inspection", rows["a"].pk, "passed") == (True, False)
    assert by(changes, "inspection", rows["b"].pk, "passed") is None
    assert by(changes, "inspection", rows["c"].pk, "passed") is None
    assert by(changes, "unit", store1, "inspections_failed") == (0, 1)
    assert summary["inspections"] == {"total": 3, "passed_before": 2, "passed_after": 1, "failed_before": 1,
                                      "failed_after": 2, "newly_failing": 1, "newly_passing": 0}
    assert summary["units"] == {"inspected": 2, "with_failed_inspection_before": 1,
                                "with_failed_inspection_after": 2}

    # Evaluation: store2's 84.6 passes at 80, not at 85; store1 (60.2) fails either way.
    assert by(changes, "unit", store2, "evaluation_passed") == (True, False)
    assert by(changes, "unit", store2, "key_target") == (False, True)
    assert by(changes, "unit", store2, "consecutive_failures") == (0, 1)
    assert by(changes, "unit", store2, "evaluation_score") is None
    assert by(changes, "unit", store1, "key_target") is None
    evaluation = summary["evaluation"]
    assert (evaluation["passed_before"], evaluation["passed_after"]) == (1, 0)
    assert (evaluation["key_targets_before"], evaluation["key_targets_after"]) == (1, 2)
    assert (evaluation["new_key_targets"], evaluation["key_targets_removed"], evaluation["newly_failing"]) == (1, 0, 1)
    assert evaluation["months"] == [{"month": "2025-01", "provisional": False}]
    # Nothing about findings changes.
    assert summary["findings"]["due_changed"] == 0 and not [c for c in changes if c["subject_type"] == "finding"]
    assert {c["key"] for c in summary["policy_changes"]} == {"inspections.pass_mark", "evaluation.pass_mark"}
    assert summary["changed"] == {"inspection.passed": 1, "unit.consecutive_failures": 1,
                                  "unit.evaluation_passed": 1, "unit.inspections_failed": 1, "unit.key_target": 1}


def test_shorter_due_days_move_due_dates_overdue_counts_and_the_on_time_part_of_the_evaluation(world):
    rows = january(world)
    result = run(world, {"findings": {"due_days": {"high": 2, "medium": 2}}})
    changes, summary = result["changes"], result["summary"]
    store2 = world.units["store2"].pk

    # f3 (medium, raised 28 January) is due on the 30th instead of 4 February: overdue at the month's end.
    assert by(changes, "finding", rows["f3"].pk, "due_date") == ("2025-02-04", "2025-01-30")
    assert by(changes, "finding", rows["f3"].pk, "overdue") == (False, True)
    # f1 (high) is due a day earlier; closed late either way.
    assert by(changes, "finding", rows["f1"].pk, "due_date") == ("2025-01-13", "2025-01-12")
    assert by(changes, "finding", rows["f1"].pk, "overdue") is None
    assert by(changes, "finding", rows["f2"].pk, "due_date") is None
    assert summary["findings"] == {"total": 3, "due_changed": 2, "later": 0, "earlier": 2,
                                   "overdue_at_end_before": 0, "overdue_at_end_after": 1,
                                   "overdue_today_before": 1, "overdue_today_after": 1, "as_of": "2025-01-31"}
    # Now due in January and undecided-but-past-due, f3 halves store2's on-time closure:
    # 0.7 × 78 + 0.3 × 50 = 69.6, failing.
    assert by(changes, "unit", store2, "evaluation_score") == (84.6, 69.6)
    assert by(changes, "unit", store2, "key_target") == (False, True)
    # The due dates were only moved inside the replay.
    assert Finding.objects.get(pk=rows["f3"].pk).due_date == D("2025-02-04")


def test_longer_due_days_for_high_findings_take_store1_off_the_key_targets_and_swap_the_ranks(world):
    rows = january(world)
    result = run(world, {"findings": {"due_days": {"high": 5}}})
    changes, summary = result["changes"], result["summary"]
    store1, store2 = world.units["store1"].pk, world.units["store2"].pk
    # f1 closed on the 15th: late against the 13th, on time against the 15th; 0.7 × 86 + 0.3 × 100 = 90.2.
    assert by(changes, "finding", rows["f1"].pk, "due_date") == ("2025-01-13", "2025-01-15")
    assert by(changes, "unit", store1, "evaluation_score") == (60.2, 90.2)
    assert by(changes, "unit", store1, "key_target") == (True, False)
    assert by(changes, "unit", store1, "rank") == (2, 1)
    assert by(changes, "unit", store2, "rank") == (1, 2)
    assert summary["evaluation"]["key_targets_removed"] == 1 and summary["evaluation"]["rank_changed"] == 2


def test_evaluation_weights_change_scores_and_ranks(world):
    january(world)
    result = run(world, {"evaluation": {"components": [{"component": "inspection_average", "weight": 1}]}})
    changes = result["changes"]
    store1, store2 = world.units["store1"].pk, world.units["store2"].pk
    assert by(changes, "unit", store1, "evaluation_score") == (60.2, 86.0)
    assert by(changes, "unit", store2, "evaluation_score") == (84.6, 78.0)
    assert by(changes, "unit", store1, "rank") == (2, 1) and by(changes, "unit", store2, "rank") == (1, 2)
    assert by(changes, "unit", store1, "key_target") == (True, False)
    assert by(changes, "unit", store2, "key_target") == (False, True)


def test_a_bonus_band_change_changes_the_amount(world):
    kpi_value(world, person=world.people["supervisor"], kpi_code="satisfaction", period="2025-01", value="86",
              source="问卷")
    appraisal_services.bonus_bases_import(actor=world.person("admin"), rows=[{
        "person": world.people["supervisor"], "scope_unit": None, "period": "2025-01", "base": Decimal("10000"),
        "existing": None}])
    appraisal_services.cycle_create(actor=world.person("admin"), role="supervisor", period="2025-01",
                                    scope_unit=world.unit("root"))
    bands = [{"min_score": 0, "factor": 0}, {"min_score": 80, "factor": 1}]
    result = run(world, {"appraisal": {"bonus_bands": bands}})
    person = world.people["supervisor"].pk
    # 86 in the 75-90 band scaled by score: 10,000 × 0.86 = 8,600; under the draft 80+ earns the full base.
    assert by(result["changes"], "person", person, "bonus_amount") == (8600.0, 10000.0)
    assert by(result["changes"], "person", person, "bonus_factor") == (0.86, 1.0)
    assert by(result["changes"], "person", person, "appraisal_score") is None
    assert result["summary"]["bonuses"] == {"appraisals": 1, "changed": 1, "raised": 1, "lowered": 0,
                                            "total_before": 8600.0, "total_after": 10000.0, "difference": 1400.0}


def test_the_same_policy_changes_nothing(world):
    january(world)
    result = run(world, {})
    assert result["changes"] == [] and result["summary"]["policy_changes"] == []
    assert result["summary"]["evaluation"]["key_targets_before"] == result["summary"]["evaluation"]["key_targets_after"]


def everything() -> dict:
    """Every row of every table (the audit chain's head included)."""
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in apps.get_models()
            if model._meta.managed}


def test_a_simulation_writes_nothing_anywhere(world):
    january(world)
    before, events = everything(), AuditEvent.objects.count()
    run(world, {"inspections": {"pass_mark": 85}, "evaluation": {"pass_mark": 85},
                "findings": {"due_days": {"high": 2, "medium": 2}}})
    assert AuditEvent.objects.count() == events
    assert everything() == before


@pytest.mark.parametrize(("overrides", "key"), [
    ({"inspections": {"pass_markk": 85}}, "inspections.pass_markk"),
    ({"inspections": {"pass_mark": 150}}, "inspections.pass_mark"),
    ({"findings": {"due_days": {"high": 0}}}, "findings.due_days.high"),
    ({"nonsense": 1}, "nonsense"),
])
def test_unknown_keys_and_bad_values_are_refused_naming_them(world, overrides, key):
    with pytest.raises(ApplicationError) as refused:
        run(world, overrides)
    assert refused.value.code == ErrorCode.POLICY_INVALID and key in refused.value.detail["fields"]


@pytest.mark.parametrize(("date_from", "date_to", "field"), [
    ("2025-02-01", "2025-01-01", "from"),
    ("2025-02-01", "2025-03-05", "to"),  # after "today" (1 March 2025)
    ("2023-01-01", "2025-01-31", "to"),  # longer than a year
])
def test_bad_periods_are_refused_naming_the_field(world, date_from, date_to, field):
    with pytest.raises(ApplicationError) as refused:
        run(world, {}, date_from=date_from, date_to=date_to)
    assert refused.value.code == ErrorCode.VALIDATION and field in refused.value.detail["fields"]


def test_only_admins_and_ops_managers_simulate(world):
    for actor in ("supervisor", "executive", "hr", "region_manager"):
        with pytest.raises(ApplicationError) as refused:
            run(world, {}, actor=actor)
        assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert run(world, {}, actor="admin")["changes"] == []


def add_stores(world, count: int) -> None:
    admin, data = world.person("admin"), Data(world)
    for n in range(count):
        unit = org_services.unit_create(actor=admin, parent=world.units["east"], code=f"X{n}", name=f"加店{n}",
                                        kind=UnitKind.STORE)
        world.units[f"x{n}"] = unit
        inspection = data.inspection(f"x{n}", "2025-01-07", f"{80 + n % 5}.0")
        inspection.earned_points, inspection.possible_points = Decimal(80 + n % 5), Decimal(100)
        inspection.save(update_fields=["earned_points", "possible_points"])
        data.finding(f"x{n}", at("2025-01-09"), "2025-01-12", severity="high", closed=at("2025-01-13"))


def queries(world) -> int:
    with CaptureQueriesContext(connection) as captured:
        run(world, {"inspections": {"pass_mark": 85}, "evaluation": {"pass_mark": 85},
                    "findings": {"due_days": {"high": 5}}})
    return len(captured)


# Organisation and policies (3), inspections (1), findings (1), cycles (1), the evaluation before
# (6) and after (6) with the due dates moved (1 per shift) inside a savepoint (2), previous month (1)
# and unit names (1).
PINNED = 23


def test_the_query_count_is_the_same_for_2_and_20_units(world):
    january(world)
    add_stores(world, 2)
    few = queries(world)
    add_stores_more = 18
    admin, data = world.person("admin"), Data(world)
    for n in range(2, 2 + add_stores_more):
        unit = org_services.unit_create(actor=admin, parent=world.units["west"], code=f"Y{n}", name=f"西店{n}",
                                        kind=UnitKind.STORE)
        world.units[f"y{n}"] = unit
        data.finding(f"y{n}", at("2025-01-09"), "2025-01-12", severity="high", closed=at("2025-01-13"))
    many = queries(world)
    assert few == many == PINNED


def test_a_coverage_rule_change_shows_planned_against_required(world):
    january(world)
    data = Data(world)
    for day in ("2025-01-06", "2025-01-13", "2025-01-20"):
        data.visit("store1", day, "done")
    rule = {"code": "store_weekly", "description": "每家门店每周至少由其督导巡店两次", "unit_kind": "store",
            "period": "week", "min_visits_per_unit": 2, "by_assigned_supervisor": False}
    result = run(world, {"plans": {"coverage_rules": [rule]}})
    [row] = result["summary"]["coverage"]
    assert row["code"] == "store_weekly"
    before, after = row["before"], row["after"]
    # Three stores, about four and a half weeks: about twice the visits are required. What counts
    # (capped per store and week at what is required): store1 has something every week (its 5th an
    # inspection; the 20th a visit and an inspection), store2 one inspection; under the draft the
    # 20th's two both count.
    # Required: five weekly windows per store, the last (27 January to 2 February) prorated to
    # 5/7 and rounded half up: 1 visit of 1, 1 of 2; so 3 × 5 = 15 and 3 × (4 × 2 + 1) = 27.
    assert before == {"required": 15, "planned": 5, "done": 5, "satisfied": False}
    assert after == {"required": 27, "planned": 6, "done": 6, "satisfied": False}
    # An unchanged policy judges no coverage at all.
    assert run(world, {})["summary"]["coverage"] == []
