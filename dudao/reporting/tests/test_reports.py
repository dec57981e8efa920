"""Supervision reports: the figures of each section, drafted texts, editing, approval and who reads them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.approvals.models import ApprovalRequest
from dudao.approvals.services import approval_decide
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import AuditEvent
from dudao.notifications.models import Notification
from dudao.reporting import services
from dudao.reporting.models import Report

from . import scenario
from .factories import inspect

NOW = timezone.make_aware(dt.datetime(2026, 3, 20, 12))


@pytest.fixture
def data(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return scenario.build(world)


def period_report(world, actor="supervisor", unit="east"):
    return services.report_draft(actor=world.person(actor), scope_unit=world.unit(unit),
                                 period_start=scenario.START, period_end=scenario.END, now=NOW)


def report_state(report):
    report.refresh_from_db()
    return (report.status, report.title, dict(report.sections), report.approval_id, Report.objects.count(),
            ApprovalRequest.objects.count(), AuditEvent.objects.count())


# --- the figures -------------------------------------------------------------------------------
def test_a_period_report_counts_plan_execution_from_the_published_plans_visits(world, data):
    e = period_report(world).data["execution"]
    assert (e["planned"], e["done"], e["cancelled"], e["completion_rate"]) == (3, 2, 1, 66.7)
    assert (e["inspections"], e["ad_hoc"], e["units_inspected"], e["units_in_scope"]) == (4, 2, 2, 2)
    assert e["missed"] == [{"unit_id": world.units["store2"].pk, "unit_name": "淮海路店", "date": "2026-03-09",
                            "supervisor": "supervisor"}]


def test_highlights_average_the_submitted_inspections_and_name_the_best_units_above_the_pass_mark(world, data):
    h = period_report(world).data["highlights"]
    assert (h["average_score"], h["passed"], h["scored"], h["pass_rate"], h["perfect"]) == (80.0, 3, 4, 75.0, 1)
    # 淮海路店 averages 70.0, below the pass mark of 80: not a highlight.
    assert [(u["unit_name"], u["score"], u["inspections"]) for u in h["best_units"]] == [("南京西路店", 90.0, 2)]
    assert (h["items_checked"], h["items_passed"]) == (20, 16)
    assert [row["item_code"] for row in h["full_pass_items"]] == ["A2", "A4", "A5"]


def test_problems_group_failed_items_with_counts_and_examples_that_carry_notes_and_photos(world, data):
    p = period_report(world).data["problems"]
    assert (p["failed_answers"], p["failed_items"]) == (4, 2)
    assert [(g["item_code"], g["count"], g["units"], g["severity"]) for g in p["groups"]] == [
        ("A1", 3, 2, "medium"), ("A3", 1, 1, "high")]
    first = p["groups"][0]["examples"]
    # The example with a photo first, then the latest with a note.
    assert [(ex["unit_name"], ex["note"], ex["attachment_ids"]) for ex in first] == [
        ("南京西路店", "地面有积水", [data.photo.pk]), ("淮海路店", "拖地不及时", [])]


def test_analysis_counts_the_periods_findings_by_category_and_severity(world, data):
    a = period_report(world).data["analysis"]
    assert a["findings"] == 4  # f1..f4; f5 is in the west, f6 before the period
    assert [(row["label"], row["count"]) for row in a["by_category"]] == [("流程合规", 3), ("风险", 1)]
    assert [(row["severity"], row["count"]) for row in a["by_severity"]] == [
        ("critical", 0), ("high", 1), ("medium", 3), ("low", 0)]
    assert a["repeat"] == 1
    assert [(u["unit_name"], u["count"]) for u in a["top_units"]] == [("淮海路店", 3), ("南京西路店", 1)]


def test_recommendations_follow_the_most_frequent_failed_items(world, data):
    rows = period_report(world).data["recommendations"]
    assert [(r["item_code"], r["count"], r["repeat"]) for r in rows] == [("A1", 3, True), ("A3", 1, False)]
    assert "反复出现" in rows[0]["advice"] and "限期整改" in rows[1]["advice"]


def test_rectification_status_counts_overdue_and_the_on_time_rate_as_of_drafting(world, data):
    r = period_report(world).data["rectification"]
    assert r["as_of"] == "2026-03-20"
    assert (r["total"], r["open"], r["planned"], r["submitted"], r["closed"]) == (4, 1, 1, 0, 2)
    # f2 (due 03-12) and f4 (due 03-19) are past due on 03-20; f1 closed on time, f3 late.
    assert (r["overdue"], r["closed_on_time"], r["due"], r["on_time_rate"]) == (2, 1, 4, 25.0)
    assert [(o["due_date"], o["days_overdue"]) for o in r["overdue_list"]] == [("2026-03-12", 8), ("2026-03-19", 1)]


def test_the_drafted_texts_state_the_figures(world, data):
    sections = period_report(world).sections
    assert sections["execution"].startswith(
        "本期(2026-03-01 至 2026-03-15)计划走访 3 次,已完成 2 次,完成率 66.7%;共完成检查 4 次(其中计划外 2 次)")
    assert "应巡未巡:淮海路店(2026-03-09)。" in sections["execution"]
    assert sections["highlights"].startswith("本期检查平均得分 80.0 分,合格率 75.0%(3/4),满分 1 次。")
    assert "1. 地面清洁无积水(A1):3 次,涉及 2 家机构。例:南京西路店:地面有积水;淮海路店:拖地不及时。" in sections["problems"]
    assert sections["analysis"].startswith("共 4 项问题。按类别:流程合规 3 项、风险 1 项;按严重程度:高 1 项、中 3 项。")
    assert sections["recommendations"].startswith("1. 地面清洁无积水(3 次):")
    assert "逾期未关闭 2 项;按时整改率 25.0%(1/4)。" in sections["rectification"]


def test_a_report_from_one_inspection_covers_that_inspection_and_its_findings(world, data):
    inspection = data.inspections["s2a"]
    report = services.report_draft(actor=world.person("supervisor"), inspection=inspection, now=NOW)
    assert (report.source, report.scope_unit_id, report.period_start, report.period_end) == (
        "inspection", world.units["store2"].pk, dt.date(2026, 3, 5), dt.date(2026, 3, 5))
    assert report.title == "淮海路店督导报告(2026-03-05)"
    d = report.data
    assert d["inspection"]["score"] == 60.0 and d["inspection"]["passed"] is False and d["inspection"]["planned"]
    assert (d["execution"]["planned"], d["execution"]["done"], d["execution"]["inspections"]) == (1, 1, 1)
    assert [(g["item_code"], g["count"]) for g in d["problems"]["groups"]] == [("A1", 1), ("A3", 1)]
    assert d["analysis"]["findings"] == 2  # f2 and f3
    assert (d["rectification"]["closed"], d["rectification"]["overdue"], d["rectification"]["on_time_rate"]) == (
        1, 1, 0.0)
    assert report.sections["highlights"] == "本次检查得分 60.0 分,结论:不合格;共检查 5 项,其中 3 项合格。"
    assert list(report.units.values_list("pk", flat=True)) == [world.units["store2"].pk]


def test_a_report_from_a_plan_takes_its_scope_period_and_visits(world, data):
    report = services.report_draft(actor=world.person("supervisor"), plan=data.plan, now=NOW)
    assert (report.source, report.scope_unit_id) == ("plan", world.units["east"].pk)
    assert report.title == "三月上半月巡店计划执行报告"
    assert (report.data["execution"]["planned"], report.data["execution"]["done"]) == (3, 2)
    assert report.data["highlights"]["average_score"] == 80.0


def test_a_report_for_the_whole_company_ranks_every_region_store(world, data):
    report = period_report(world, actor="admin", unit="root")
    assert report.data["highlights"]["average_score"] == 80.0  # 80, 100, 60, 80, 80 -> 400/5
    assert report.data["execution"]["units_in_scope"] == 3
    assert sorted(report.units.values_list("pk", flat=True)) == sorted(
        world.units[k].pk for k in ("store1", "store2", "store3"))


def test_drafting_is_audited(world, data):
    report = period_report(world)
    event = AuditEvent.objects.get(action="report.draft", object_id=str(report.pk))
    assert event.actor_id == world.people["supervisor"].pk
    assert event.after["status"] == "draft" and event.after["sections"]["execution"] == report.sections["execution"]


# --- refusals ------------------------------------------------------------------------------------
@pytest.mark.parametrize("actor", ["region_manager", "unit_manager", "department_head", "executive", "no_role"])
def test_only_the_supervision_department_drafts_reports(world, data, actor):
    before = (Report.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as exc:
        period_report(world, actor=actor)
    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert (Report.objects.count(), AuditEvent.objects.count()) == before
    assert period_report(world, actor="supervisor").pk  # the same call by the supervisor works


def test_a_supervisor_cannot_report_outside_their_region(world, data):
    with pytest.raises(ApplicationError) as exc:
        period_report(world, unit="west")
    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert Report.objects.count() == 0


def test_a_draft_inspection_cannot_be_reported(world, data):
    with pytest.raises(ApplicationError) as exc:
        services.report_draft(actor=world.person("supervisor"), inspection=data.inspections["draft"], now=NOW)
    assert exc.value.detail == {"fields": {"inspection_id": ["只能根据已提交的检查起草报告"]}}
    assert Report.objects.count() == 0


@pytest.mark.parametrize(("kwargs", "field"), [
    ({}, "inspection_id"),
    ({"period_start": scenario.START, "period_end": scenario.END}, "scope_unit_id"),
    ({"period_start": scenario.END, "period_end": scenario.START, "unit": "east"}, "period_end"),
    ({"period_start": dt.date(2025, 1, 1), "period_end": dt.date(2026, 3, 1), "unit": "east"}, "period_end"),
    ({"period_end": scenario.END, "unit": "east"}, "period_start"),
])
def test_a_report_needs_one_basis_and_a_sane_period(world, data, kwargs, field):
    unit = kwargs.pop("unit", None)
    with pytest.raises(ApplicationError) as exc:
        services.report_draft(actor=world.person("supervisor"), scope_unit=world.unit(unit) if unit else None,
                              now=NOW, **kwargs)
    assert list(exc.value.detail["fields"]) == [field]
    assert Report.objects.count() == 0


def test_two_bases_at_once_are_refused(world, data):
    with pytest.raises(ApplicationError) as exc:
        services.report_draft(actor=world.person("supervisor"), inspection=data.inspections["s1a"], plan=data.plan)
    assert list(exc.value.detail["fields"]) == ["plan_id"]


# --- editing -------------------------------------------------------------------------------------
def test_a_draft_is_edited_section_by_section_and_audited(world, data):
    report = period_report(world)
    original = dict(report.sections)
    services.report_update(actor=world.person("supervisor"), report=report,
                           sections={"highlights": "  本期亮点:南京西路店保持满分。\r\n"}, title="三月上半月督导报告")
    report.refresh_from_db()
    assert report.title == "三月上半月督导报告"
    assert report.sections["highlights"] == "本期亮点:南京西路店保持满分。"
    assert report.sections["execution"] == original["execution"]
    event = AuditEvent.objects.get(action="report.update", object_id=str(report.pk))
    assert event.before == {"title": "华东区督导报告(2026-03-01 至 2026-03-15)",
                            "sections": {"highlights": original["highlights"]}}
    assert event.after["sections"] == {"highlights": "本期亮点:南京西路店保持满分。"}


def test_an_unknown_section_is_refused_and_nothing_changes(world, data):
    report = period_report(world)
    before = report_state(report)
    with pytest.raises(ApplicationError) as exc:
        services.report_update(actor=world.person("supervisor"), report=report, sections={"summary": "x"})
    assert list(exc.value.detail["fields"]) == ["sections.summary"]
    assert report_state(report) == before


def test_the_region_manager_reads_but_cannot_edit(world, data):
    report = period_report(world)
    before = report_state(report)
    with pytest.raises(ApplicationError) as exc:
        services.report_update(actor=world.person("region_manager"), report=report, sections={"problems": "x"})
    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert report_state(report) == before
    assert Report.objects.visible_to(world.person("region_manager")).filter(pk=report.pk).exists()


# --- approval --------------------------------------------------------------------------------------
def submitted_report(world):
    report = period_report(world)
    return services.report_submit(actor=world.person("supervisor"), report=report)


def test_submitting_asks_the_ops_manager_through_the_approval_engine(world, data):
    report = submitted_report(world)
    assert report.status == "submitted"
    approval = ApprovalRequest.objects.get(pk=report.approval_id)
    assert (approval.kind, approval.subject_type, approval.subject_id, approval.unit_id) == (
        "report", "reporting.report", str(report.pk), world.units["east"].pk)
    assert [(s.role, s.status) for s in approval.steps.order_by("position")] == [("ops_manager", "pending")]
    # The approver reads the report they decide on, though the east region is outside their subtree.
    assert Report.objects.visible_to(world.person("ops_manager")).filter(pk=report.pk).exists()
    assert AuditEvent.objects.filter(action="report.submit", object_id=str(report.pk)).count() == 1


def test_a_submitted_report_cannot_be_edited_or_submitted_again(world, data):
    report = submitted_report(world)
    before = report_state(report)
    for call in (lambda: services.report_update(actor=world.person("supervisor"), report=report,
                                                sections={"problems": "x"}),
                 lambda: services.report_submit(actor=world.person("supervisor"), report=report)):
        with pytest.raises(ApplicationError) as exc:
            call()
        assert exc.value.code == ErrorCode.INVALID_TRANSITION
        assert report_state(report) == before


def test_approval_makes_the_report_final_and_tells_the_inspected_units_managers(world, data):
    report = submitted_report(world)
    manager = world.person("unit_manager")
    assert not Report.objects.visible_to(manager).filter(pk=report.pk).exists()
    approval_decide(actor=world.person("ops_manager"), approval=report.approval, decision="approve", comment="同意")
    report.refresh_from_db()
    assert report.status == "approved" and report.approved_at is not None
    assert Report.objects.visible_to(manager).filter(pk=report.pk).exists()
    assert not Report.objects.visible_to(world.person("other_unit_manager")).filter(pk=report.pk).exists()
    assert not Report.objects.visible_to(world.person("staff")).filter(pk=report.pk).exists()
    notices = Notification.objects.filter(kind="report.approved")
    assert sorted(n.recipient.username for n in notices) == ["unit_manager"]  # store2 has no manager
    event = AuditEvent.objects.get(action="report.approve", object_id=str(report.pk))
    assert event.actor_id == world.people["ops_manager"].pk and event.after["status"] == "approved"


def test_rejection_returns_the_report_to_draft_for_another_round(world, data):
    report = submitted_report(world)
    approval_decide(actor=world.person("ops_manager"), approval=report.approval, decision="reject", comment="补充数据")
    report.refresh_from_db()
    assert report.status == "draft"
    assert not Report.objects.visible_to(world.person("unit_manager")).filter(pk=report.pk).exists()
    services.report_update(actor=world.person("supervisor"), report=report, sections={"analysis": "已补充"})
    again = services.report_submit(actor=world.person("supervisor"), report=report)
    assert again.status == "submitted" and again.approval_id != report.approval_id
    assert ApprovalRequest.objects.filter(kind="report").count() == 2


def test_approved_reports_are_not_sent_when_policy_says_so(world, data):
    from dudao.policies.services import policy_version_create

    policy_version_create(actor=world.people["admin"], organization=world.org,
                          effective_from=timezone.localdate(), overrides={"reports": {"send_to_units": False}})
    report = submitted_report(world)
    approval_decide(actor=world.person("ops_manager"), approval=report.approval, decision="approve")
    assert not Notification.objects.filter(kind="report.approved").exists()


def test_other_organisations_see_nothing(world, data):
    report = period_report(world)
    assert not Report.objects.visible_to(world.person("b_admin")).filter(pk=report.pk).exists()


def test_an_inspection_outside_the_period_does_not_count(world, data):
    inspect(world, "store1", data.template, scenario.END + dt.timedelta(days=1), {"A2": ""})
    assert period_report(world).data["execution"]["inspections"] == 4
