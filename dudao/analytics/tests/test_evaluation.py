"""The monthly evaluation: composite scores, rescaled weights, ranks with ties, key targets,
consecutive failures and exactly one review case, re-runs, the job, and refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dudao.analytics import services
from dudao.analytics.evaluation import competition_ranks
from dudao.analytics.models import EvaluationRun, ReviewCase, UnitEvaluation
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import AuditEvent
from dudao.core.periods import add_months
from dudao.notifications.models import Notification
from dudao.policies.models import PolicyVersion

from .factories import Data, at, d

pytestmark = pytest.mark.django_db

NOW = at("2025-06-01", 2, 30)


def run(world, month: str, actor="admin", now=NOW):
    return services.evaluation_run(actor=world.person(actor) if actor else None, organization=world.org,
                                   month=d(f"{month}-01"), now=now)


def row(world, unit: str, month: str) -> UnitEvaluation:
    return UnitEvaluation.objects.get(unit=world.units[unit], month=d(f"{month}-01"))


def january(data: Data) -> None:
    """store1 passes on both components, store2 has only inspections, store3 only findings."""
    data.inspection("store1", "2025-01-05", "90.0")
    data.inspection("store1", "2025-01-31", "81.0", hour=23)  # 23:00 local on the last day still counts
    data.inspection("store1", "2025-02-01", "10.0", hour=0)  # next month
    data.inspection("store1", "2024-12-31", "10.0", hour=23)  # previous month
    data.inspection("store1", "2025-01-10", "10.0", status="draft")  # drafts never count
    data.inspection("store2", "2025-01-12", "70.0", status="acknowledged")
    # store1: 4 findings due in January, 3 closed on or before the due date, 1 closed late.
    data.finding("store1", at("2024-12-28"), "2025-01-03", closed=at("2025-01-03", 23, 59))
    data.finding("store1", at("2025-01-02"), "2025-01-09", closed=at("2025-01-05"))
    data.finding("store1", at("2025-01-10"), "2025-01-17", closed=at("2025-01-17", 8))
    data.finding("store1", at("2025-01-20"), "2025-01-27", closed=at("2025-01-28", 0, 1))
    data.finding("store1", at("2025-01-25"), "2025-02-01")  # due next month: not January's
    # store3: 2 due, one closed on time, one never closed.
    data.finding("store3", at("2025-01-01"), "2025-01-08", closed=at("2025-01-07"))
    data.finding("store3", at("2025-01-01"), "2025-01-08")


def test_composite_score_weights_and_rescaling(world):
    data = Data(world)
    january(data)
    result = run(world, "2025-01")

    s1, s2, s3 = row(world, "store1", "2025-01"), row(world, "store2", "2025-01"), row(world, "store3", "2025-01")
    # store1: inspections (90 + 81) / 2 = 85.5; on time 3 / 4 = 75%; 0.7 * 85.5 + 0.3 * 75 = 82.35 -> 82.4
    assert (s1.inspection_count, s1.inspection_average, s1.findings_due, s1.findings_on_time) == (
        2, Decimal("85.50"), 4, 3)
    assert s1.on_time_rate == Decimal("75.0") and s1.score == Decimal("82.4") and s1.passed is True
    assert [c["component"] for c in s1.components] == ["inspection_average", "on_time_rectification"]
    assert [c["applied_weight"] for c in s1.components] == ["0.7000", "0.3000"]
    # store2: no finding due, so the inspection average carries all the weight.
    assert s2.findings_due == 0 and s2.on_time_rate is None
    assert s2.score == Decimal("70.0") and s2.passed is False
    assert s2.components == [{"component": "inspection_average", "value": "70.00", "weight": "0.7",
                              "applied_weight": "1.0000"}]
    # store3: no inspection, so the on-time rate (1 of 2) carries all the weight.
    assert s3.inspection_count == 0 and s3.inspection_average is None
    assert s3.score == Decimal("50.0") and s3.passed is False

    assert (s1.rank, s2.rank, s3.rank) == (1, 2, 3)
    assert (s1.region_rank, s2.region_rank, s3.region_rank) == (1, 2, 1)
    assert (s1.region_id, s3.region_id) == (world.units["east"].pk, world.units["west"].pk)
    assert (s1.key_target, s2.key_target, s3.key_target) == (False, True, True)
    assert s2.key_target_deadline == d("2025-03-02")  # January 31 + 30 policy days
    assert s1.key_target_deadline is None
    assert (result.units, result.scored, result.passed, result.key_targets, result.review_cases_opened) == (
        3, 3, 1, 2, 0)
    # Only this organisation's sites; the other organisation's branch is not evaluated.
    assert not UnitEvaluation.objects.filter(organization=world.other_org).exists()


def test_unit_without_any_data_is_listed_unranked_and_neither_passes_nor_fails(world):
    data = Data(world)
    data.inspection("store1", "2025-01-05", "88.0")
    run(world, "2025-01")
    s2 = row(world, "store2", "2025-01")
    assert (s2.score, s2.passed, s2.rank, s2.region_rank, s2.key_target, s2.components) == (
        None, None, None, None, False, [])
    assert row(world, "store1", "2025-01").rank == 1


def test_equal_scores_share_a_rank_and_the_next_rank_skips(world):
    data = Data(world)
    data.inspection("store1", "2025-01-05", "75.0")
    data.inspection("store2", "2025-01-05", "75.0")
    data.inspection("store3", "2025-01-05", "80.0")
    run(world, "2025-01")
    ranks = {key: (row(world, key, "2025-01").rank, row(world, key, "2025-01").region_rank)
             for key in ("store1", "store2", "store3")}
    assert ranks == {"store3": (1, 1), "store1": (2, 1), "store2": (2, 1)}
    assert competition_ranks({"a": Decimal(9), "b": Decimal(8), "c": Decimal(9), "d": Decimal(7)}) == {
        "a": 1, "c": 1, "b": 3, "d": 4}


def test_policy_weights_and_coverage_component(world):
    PolicyVersion.objects.create(
        organization=world.org, effective_from=d("2025-01-01"), created_by=world.people["admin"],
        overrides={"evaluation": {"components": [
            {"component": "inspection_average", "weight": 0.5},
            {"component": "on_time_rectification", "weight": 0.3},
            {"component": "coverage", "weight": 0.2},
        ], "pass_mark": 85}},
    )
    data = Data(world)
    data.inspection("store1", "2025-01-05", "90.0")
    data.finding("store1", at("2025-01-01"), "2025-01-08", closed=at("2025-01-02"))
    data.visit("store1", "2025-01-05", "done")
    data.visit("store1", "2025-01-12", "planned")
    data.visit("store1", "2025-01-19", "cancelled")  # cancelled visits are not planned any more
    data.visit("store1", "2025-01-20", "planned", plan_status="draft")  # a draft plan plans nothing
    data.inspection("store2", "2025-01-05", "90.0")
    data.visit("store2", "2025-01-05", "done")
    run(world, "2025-01")
    s1, s2 = row(world, "store1", "2025-01"), row(world, "store2", "2025-01")
    # store1: 0.5 * 90 + 0.3 * 100 + 0.2 * 50 = 85.0, passes the 85 mark.
    assert (s1.visits_planned, s1.visits_done, s1.coverage_rate) == (2, 1, Decimal("50.0"))
    assert s1.score == Decimal("85.0") and s1.passed is True
    # store2: no finding due: (0.5 * 90 + 0.2 * 100) / 0.7 = 92.857... -> 92.9
    assert s2.score == Decimal("92.9")
    assert [c["applied_weight"] for c in s2.components] == ["0.7143", "0.2857"]
    assert EvaluationRun.objects.get(month=d("2025-01-01")).policy["pass_mark"] == "85"


def test_consecutive_failures_open_exactly_one_review_case(world):
    data = Data(world)
    for month in ("2025-01", "2025-02", "2025-03"):
        data.inspection("store1", f"{month}-10", "60.0")
        data.inspection("store2", f"{month}-10", "95.0")
    data.inspection("store3", "2025-01-10", "60.0")  # fails January, no data in February
    data.inspection("store3", "2025-03-10", "60.0")

    run(world, "2025-01")
    assert row(world, "store1", "2025-01").consecutive_failures == 1
    assert not ReviewCase.objects.exists()

    february = run(world, "2025-02")
    s1 = row(world, "store1", "2025-02")
    case = ReviewCase.objects.get()
    assert s1.consecutive_failures == 2 and s1.review_case_id == case.pk and february.review_cases_opened == 1
    assert (case.unit_id, case.month, case.consecutive_failures, case.status) == (
        world.units["store1"].pk, d("2025-02-01"), 2, "open")
    assert case.manager_id == world.people["unit_manager"].pk
    assert case.superior_id == world.people["region_manager"].pk
    assert list(case.hr_assignees.values_list("pk", flat=True)) == [world.people["hr"].pk]
    assert row(world, "store3", "2025-02").consecutive_failures == 0  # no data breaks the run

    # Running February again replaces its results and opens nothing new.
    events = AuditEvent.objects.count()
    again = run(world, "2025-02")
    assert ReviewCase.objects.count() == 1 and again.review_cases_opened == 0
    assert UnitEvaluation.objects.filter(month=d("2025-02-01")).count() == 3
    assert row(world, "store1", "2025-02").review_case_id == case.pk
    assert AuditEvent.objects.count() == events + 1
    rerun = AuditEvent.objects.order_by("-seq").first()
    assert rerun.action == "evaluation.run" and rerun.before["month"] == "2025-02-01"

    # March: a third failure while the case is undecided links the same case.
    run(world, "2025-03")
    s1 = row(world, "store1", "2025-03")
    assert s1.consecutive_failures == 3 and s1.review_case_id == case.pk and ReviewCase.objects.count() == 1
    assert row(world, "store3", "2025-03").consecutive_failures == 1

    # Once decided, failing again opens a new case.
    services.review_case_decide(actor=world.person("region_manager"), case=case, decision="retain", notes="观察一个月")
    data.inspection("store1", "2025-04-10", "60.0")
    run(world, "2025-04")
    assert ReviewCase.objects.count() == 2
    assert row(world, "store1", "2025-04").review_case.month == d("2025-04-01")


def test_a_month_not_ended_is_provisional_judges_nobody_and_a_later_run_makes_it_final(world):
    data = Data(world)
    for month in ("2025-01", "2025-02"):
        data.inspection("store1", f"{month}-03", "60.0")
    run(world, "2025-01")
    events = AuditEvent.objects.count()

    # On 2025-02-06 February has not ended: store1 fails a second month, but only provisionally.
    early = run(world, "2025-02", now=at("2025-02-06", 9))
    s1 = row(world, "store1", "2025-02")
    assert early.provisional is True and s1.provisional is True
    assert s1.score == Decimal("60.0") and s1.passed is False
    assert (s1.key_target, s1.key_target_deadline, s1.review_case_id) == (False, None, None)
    assert (early.key_targets, early.review_cases_opened) == (0, 0)
    assert not ReviewCase.objects.exists()
    assert not Notification.objects.filter(dedupe_key="evaluation.key_target:2025-02").exists()
    assert AuditEvent.objects.count() == events + 1  # the run itself, nothing else
    assert AuditEvent.objects.latest("id").after["provisional"] is True

    # After the month has ended the run is final and replaces the provisional results.
    final = run(world, "2025-02", now=at("2025-03-01", 2))
    s1 = row(world, "store1", "2025-02")
    assert final.pk == early.pk and final.provisional is False and s1.provisional is False
    assert s1.key_target is True and s1.consecutive_failures == 2 and s1.review_case_id is not None
    assert UnitEvaluation.objects.filter(month=d("2025-02-01"), provisional=True).count() == 0


def test_key_targets_and_review_cases_notify_the_right_people(world):
    data = Data(world)
    for month in ("2025-01", "2025-02"):
        data.inspection("store1", f"{month}-10", "60.0")
    run(world, "2025-01")
    run(world, "2025-02")
    run(world, "2025-02")  # a re-run tells nobody twice
    key = Notification.objects.filter(kind="evaluation.key_target")
    assert sorted(key.values_list("recipient__username", "dedupe_key")) == [
        ("unit_manager", "evaluation.key_target:2025-01"), ("unit_manager", "evaluation.key_target:2025-02"),
    ]
    latest = key.order_by("-id").first()
    assert "2025-03-30" in latest.title  # February 28 + 30 days
    assert latest.url == "/analytics/evaluations/?month=2025-02&key_targets=on"
    review = Notification.objects.filter(kind="evaluation.review_case")
    assert sorted(review.values_list("recipient__username", flat=True)) == ["hr", "region_manager"]


def test_review_case_audited_when_opened(world):
    data = Data(world)
    for month in ("2025-01", "2025-02"):
        data.inspection("store1", f"{month}-10", "60.0")
    run(world, "2025-01")
    run(world, "2025-02")
    event = AuditEvent.objects.get(action="review_case.open")
    case = ReviewCase.objects.get()
    assert event.object_id == str(case.pk) and event.after["hr_assignees"] == [world.people["hr"].pk]
    assert event.actor_id == world.people["admin"].pk


@pytest.mark.parametrize("who", ["unit_manager", "region_manager", "supervisor", "hr", "no_role"])
def test_only_admins_and_ops_managers_run_it_and_a_refusal_changes_nothing(world, who):
    Data(world).inspection("store1", "2025-01-10", "60.0")
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        run(world, "2025-01", actor=who)
    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert not EvaluationRun.objects.exists() and not UnitEvaluation.objects.exists()
    assert AuditEvent.objects.count() == events
    assert run(world, "2025-01", actor="ops_manager").units == 3


def test_a_month_not_yet_begun_is_refused(world):
    with pytest.raises(ApplicationError) as refused:
        run(world, "2025-07")
    assert refused.value.detail == {"fields": {"month": ["不能评估尚未开始的月份"]}}
    assert not EvaluationRun.objects.exists()


def test_monthly_job_evaluates_last_month_once_per_slot(world):
    data = Data(world)
    data.inspection("store1", "2025-05-10", "91.0")
    call_command("dudao_tick", "--now", "2025-06-01T02:30:00+08:00", "--job", "evaluation_monthly")
    assert row(world, "store1", "2025-05").score == Decimal("91.0")
    assert EvaluationRun.objects.filter(organization=world.other_org, month=d("2025-05-01")).exists()
    data.inspection("store1", "2025-05-11", "71.0")
    call_command("dudao_tick", "--now", "2025-06-15T02:30:00+08:00", "--job", "evaluation_monthly")
    assert row(world, "store1", "2025-05").score == Decimal("91.0")  # the June slot ran already
    assert EvaluationRun.objects.get(organization=world.org).run_by is None


def test_run_query_count_does_not_grow_with_units_data_or_key_targets(world):
    data = Data(world)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            run(world, "2025-01")
        return len(queries)

    data.inspection("store1", "2025-01-10", "55.0")
    run(world, "2025-01")  # both measured runs are re-runs of the month
    small = count()
    assert small <= 25
    for unit in ("store1", "store2", "store3"):
        for day in range(1, 6):
            data.inspection(unit, f"2025-01-{day:02d}", "52.0")
            data.finding(unit, at(f"2025-01-{day:02d}"), f"2025-01-{day + 7:02d}", closed=at(f"2025-01-{day + 1:02d}"))
    run(world, "2025-01")  # the newly failing units' managers are told once, here
    assert count() == small
    assert UnitEvaluation.objects.filter(month=d("2025-01-01"), key_target=True).count() == 3


def test_an_integration_submit_through_the_real_services_is_evaluated(world):
    from dudao.inspections import services as inspections
    from dudao.inspections.tests.factories import check_items, make_template

    template = make_template(world, check_items(4))
    inspection, _ = inspections.inspection_create(actor=world.person("supervisor"), unit=world.unit("store1"),
                                                  template=template, location_reason="测试:未定位")
    inspections.answers_upsert(actor=world.person("supervisor"), inspection=inspection, answers=[
        {"item_code": "I000", "value": "pass"}, {"item_code": "I001", "value": "pass"},
        {"item_code": "I002", "value": "pass"}, {"item_code": "I003", "value": "fail"},
    ])
    inspections.inspection_submit(actor=world.person("supervisor"), inspection=inspection)
    month = timezone.localdate(inspection.performed_at).replace(day=1)
    # This month has not ended: the result is provisional and judges nobody.
    services.evaluation_run(actor=world.person("admin"), organization=world.org, month=month)
    s1 = UnitEvaluation.objects.get(unit=world.units["store1"], month=month)
    assert s1.inspection_count == 1 and s1.inspection_average == Decimal("75.00")
    assert s1.score == Decimal("75.0") and s1.provisional is True and s1.key_target is False
    # Run again once the month has ended: final, and the failing unit becomes a key target.
    after = timezone.make_aware(dt.datetime.combine(add_months(month, 1), dt.time(2, 30)))
    services.evaluation_run(actor=world.person("admin"), organization=world.org, month=month, now=after)
    s1 = UnitEvaluation.objects.get(unit=world.units["store1"], month=month)
    assert s1.inspection_count == 1 and s1.inspection_average == Decimal("75.00")
    # The finding it raised is still open: when it fell due within the month it counts late
    # (0% on time: 0.7 * 75 + 0.3 * 0), else only the inspection average counts.
    finding = inspection.findings.get()
    due_in_month = finding.due_date < add_months(month, 1)
    assert (s1.findings_due, s1.findings_on_time) == ((1, 0) if due_in_month else (0, 0))
    assert s1.score == (Decimal("52.5") if due_in_month else Decimal("75.0"))
    assert s1.provisional is False and s1.key_target is True


def test_first_run_query_count_is_the_same_for_one_or_many_key_targets(world):
    data = Data(world)
    data.inspection("store1", "2025-01-10", "55.0")
    for unit in ("store1", "store2", "store3"):
        data.inspection(unit, "2025-03-10", "55.0")
    counts = []
    for month in ("2025-01", "2025-03"):
        with CaptureQueriesContext(connection) as queries:
            run(world, month)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Notification.objects.filter(kind="evaluation.key_target", dedupe_key="evaluation.key_target:2025-03").count() == 2
