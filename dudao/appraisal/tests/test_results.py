"""The results flow over real HTTP and real services: submission through the approval engine,
the last approval making the cycle final, rejection, the refusals, the due-date reminders, and the
permission matrix of the submit route."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dudao.appraisal import results, services
from dudao.appraisal.models import Appraisal, AppraisalCycle
from dudao.approvals.models import ApprovalRequest
from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import API_PREFIX, ApiObjectMatrix
from dudao.notifications.models import Notification
from dudao.org.choices import Role

from .results_world import open_cycle

A = API_PREFIX + "/appraisals"


def _state(cycle):
    cycle = AppraisalCycle.objects.get(pk=cycle.pk)
    return (cycle.status, cycle.approval_id,
            sorted(Appraisal.objects.filter(cycle=cycle).values_list("person__username", "status")),
            ApprovalRequest.objects.count())


def _decide(api_for, world, approval_id, key, decision="approve", comment=""):
    response = api_for(world.person(key)).post(f"{API_PREFIX}/approvals/{approval_id}/decide",
                                               json={"decision": decision, "comment": comment})
    assert response.status_code == 200, response.text
    return response.json()


def test_ops_submits_executive_hr_and_finance_approve_and_finance_downloads_the_payroll_sheet(live_world, api_for):
    world = live_world
    cycle = open_cycle(world)
    ops2 = api_for(world.person("ops2"))

    response = ops2.post(f"{A}/cycles/{cycle.pk}/submit")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "submitted" and body["approval_id"]
    approval = ApprovalRequest.objects.get(pk=body["approval_id"])
    # The operations manager who ran it took the first step by submitting: the request starts at the executive.
    assert approval.kind == "appraisal_result" and approval.subject_type == "appraisal.appraisalcycle"
    assert [s.role for s in approval.steps.order_by("position")] == ["executive", "hr", "finance"]
    assert "运营经理" in approval.detail["first_step"]
    # Approvers read who gets what in the approvals page.
    first, second = approval.detail["appraisees"]
    assert first.startswith("1. supervisor（supervisor） 得分 89.0 奖金 ¥") and first.endswith("890.00")
    assert second.startswith("2. 督导乙（supervisor2） 得分 67.5")
    assert approval.detail["bonus_total"].endswith("890.00")
    assert approval.amount == 890
    assert set(Appraisal.objects.filter(cycle=cycle).values_list("status", flat=True)) == {"submitted"}
    assert AuditEvent.objects.filter(action="appraisal_cycle.submit", object_id=str(cycle.pk)).exists()

    # Not final yet: the payroll sheet is refused naming the status.
    finance = api_for(world.person("finance"))
    early = finance.get(f"{A}/cycles/{cycle.pk}/xlsx")
    assert early.status_code == 409 and early.json()["detail"]["status"] == "submitted"

    _decide(api_for, world, approval.pk, "executive")
    _decide(api_for, world, approval.pk, "hr")
    assert AppraisalCycle.objects.get(pk=cycle.pk).status == "submitted"
    _decide(api_for, world, approval.pk, "finance")

    cycle.refresh_from_db()
    assert cycle.status == "final" and cycle.finalised_at is not None
    assert set(Appraisal.objects.filter(cycle=cycle).values_list("status", flat=True)) == {"final"}
    told = Notification.objects.filter(kind="appraisal.final").order_by("recipient__username")
    assert [n.recipient.username for n in told] == ["supervisor", "supervisor2"]
    assert "7 天内" in told[0].body and "复议" in told[0].body

    sheet_response = finance.get(f"{A}/cycles/{cycle.pk}/xlsx")
    assert sheet_response.status_code == 200, sheet_response.text
    assert sheet_response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(sheet_response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = {r[0]: r[1] for r in rows[1:4]}
    assert header["发放截止日"] == "2026-12-20"  # policy bonus_paid_by_day of the month after 2026-11
    assert header["最终审批日期"] == timezone.localdate(cycle.finalised_at).isoformat()
    assert "2026-11" in header["考核周期"]
    start = next(i for i, r in enumerate(rows) if r[0] == "用户名")
    assert rows[start] == ["用户名", "姓名", "机构", "期间", "考核得分", "排名", "奖金基数", "系数", "折算比例",
                           "是否取消", "奖金金额", "说明"]
    first, second, total = rows[start + 1], rows[start + 2], rows[start + 3]
    assert first[:6] == ["supervisor", "supervisor", "华东区", "2026-11", 89, 1]
    assert (first[6], first[7], first[8], first[9], first[10]) == (1000, 0.89, 1, "否", 890)
    assert "0.89" in first[11] and "890.00" in first[11]
    assert second[0] == "supervisor2" and second[10] == 0 and second[5] == 2
    assert total[0] == "合计" and total[10] == 890
    money_cell = sheet.cell(start + 2, 11)
    assert money_cell.number_format == "#,##0.00"
    assert AuditEvent.objects.filter(action="appraisal_cycle.payroll_download", object_id=str(cycle.pk),
                                     actor_id=world.people["finance"].pk).count() == 1


def test_a_rejection_returns_the_cycle_to_open_keeps_the_comment_and_tells_the_submitter(live_world, api_for):
    world = live_world
    cycle = open_cycle(world)
    body = api_for(world.person("ops2")).post(f"{A}/cycles/{cycle.pk}/submit").json()
    _decide(api_for, world, body["approval_id"], "executive", "reject", "学习成长评分依据不足")
    cycle.refresh_from_db()
    assert cycle.status == "open" and cycle.approval_id == body["approval_id"]
    assert set(Appraisal.objects.filter(cycle=cycle).values_list("status", flat=True)) == {"open"}
    event = AuditEvent.objects.get(action="appraisal_cycle.return", object_id=str(cycle.pk))
    assert event.after["comment"] == "学习成长评分依据不足"
    told = Notification.objects.get(kind="appraisal.returned")
    assert told.recipient_id == world.people["ops2"].pk and "学习成长评分依据不足" in told.body
    # Open again, it is submitted again as a new request.
    again = api_for(world.person("ops2")).post(f"{A}/cycles/{cycle.pk}/submit")
    assert again.status_code == 200 and again.json()["approval_id"] != body["approval_id"]


def test_an_unscored_manual_kpi_is_refused_naming_it_and_nothing_changes(live_world, api_for):
    world = live_world
    cycle = open_cycle(world, scored=False)
    ops2 = api_for(world.person("ops2"))
    before = _state(cycle), AuditEvent.objects.count()
    response = ops2.post(f"{A}/cycles/{cycle.pk}/submit")
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail["kpi_code"] == "learning_growth" and "kpi_code" in detail["fields"]
    first = Appraisal.objects.filter(cycle=cycle).order_by("rank", "person__username").first()
    assert detail["appraisal_id"] == first.pk
    assert "学习成长" in response.json()["message"]
    assert (_state(cycle), AuditEvent.objects.count()) == before


def test_a_submitted_cycle_or_one_with_nothing_open_is_refused_with_409(live_world, api_for):
    world = live_world
    cycle = open_cycle(world)
    ops2 = api_for(world.person("ops2"))
    assert ops2.post(f"{A}/cycles/{cycle.pk}/submit").status_code == 200
    before = _state(cycle)
    again = ops2.post(f"{A}/cycles/{cycle.pk}/submit")
    assert again.status_code == 409 and again.json()["detail"]["status"] == "submitted"
    assert _state(cycle) == before


def test_a_cycle_whose_appraisals_are_all_final_has_nothing_to_submit(world):
    cycle = open_cycle(world)
    ops2 = world.person("ops2")
    # Every appraisal already final while the cycle was reopened (an appeal dismissed meanwhile).
    Appraisal.objects.filter(cycle=cycle).update(status="final")
    before = _state(cycle)
    with pytest.raises(Exception) as refused:
        results.cycle_submit(actor=ops2, cycle=cycle)
    assert refused.value.code == "conflict"
    assert _state(cycle) == before


def test_a_submitter_without_the_first_role_goes_through_every_step(world):
    cycle = open_cycle(world)
    cycle = results.cycle_submit(actor=world.person("admin"), cycle=cycle)
    steps = [s.role for s in cycle.approval.steps.order_by("position")]
    assert steps == ["ops_manager", "executive", "hr", "finance"]
    assert "first_step" not in cycle.approval.detail


# --- due-date reminders ------------------------------------------------------------------------
def _at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00")


def test_the_creator_of_an_open_cycle_is_reminded_once_a_day_from_two_days_before_it_is_due(world):
    cycle = open_cycle(world)
    assert cycle.due_on == dt.date(2026, 12, 10)
    ops2 = world.people["ops2"]

    def reminders():
        return Notification.objects.filter(kind="appraisal.cycle_due", recipient_id=ops2.pk).count()

    assert results.cycles_remind_due(now=_at("2026-12-07")) == 0 and reminders() == 0
    assert results.cycles_remind_due(now=_at("2026-12-08")) == 1 and reminders() == 1
    assert results.cycles_remind_due(now=_at("2026-12-08", 15)) == 0 and reminders() == 1  # once a day
    assert results.cycles_remind_due(now=_at("2026-12-11")) == 1
    overdue = Notification.objects.filter(kind="appraisal.cycle_due").latest("id")
    assert "逾期" in overdue.title and "2026-12-10" in overdue.body and "运营经理 → 总经理 → 人事 → 财务" in overdue.body


def test_a_submitted_cycle_is_not_reminded(world):
    cycle = open_cycle(world)
    results.cycle_submit(actor=world.person("ops2"), cycle=cycle)
    assert results.cycles_remind_due(now=_at("2026-12-12")) == 0
    assert not Notification.objects.filter(kind="appraisal.cycle_due").exists()


def test_the_reminder_is_a_registered_daily_job():
    from dudao.core.jobs import REGISTRY

    job = REGISTRY["appraisal_cycles_due"]
    assert job.slot(_at("2026-12-08")) == "2026-12-08"


# --- permission matrix ---------------------------------------------------------------------------
class TestCycleSubmit(ApiObjectMatrix):
    route = "POST /api/v1/appraisals/cycles/{cycle_id}/submit"
    in_scope = "admin"
    out_of_scope = "ops_manager"  # runs cycles, but over the operations center's subtree only
    refused = ("executive", "finance")  # see the cycle's results, may not submit them

    def target(self, world):
        if getattr(self, "_cycle", None) is None:
            self._cycle = open_cycle(world)
        return self._cycle

    def other_org_target(self, world):
        return services.cycle_create(actor=world.person("b_admin"), role=Role.UNIT_MANAGER, period="2026-11",
                                     scope_unit=world.unit("b_root"))

    def path(self, world, target):
        return f"/appraisals/cycles/{target.pk}/submit"

    def snapshot(self, world):
        # Counted in the first organisation: the other organisation's cycle is made during the call's test.
        return _state(self.target(world)), AuditEvent.objects.filter(organization_id=world.org.pk).count()

    def check_success(self, world, target, response):
        assert response.json()["status"] == "submitted"
        assert AppraisalCycle.objects.get(pk=target.pk).approval_id == response.json()["approval_id"]


def test_submitting_costs_the_same_queries_for_one_person_or_two(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .results_world import add_figures

    big = open_cycle(world)
    ops2 = world.person("ops2")
    add_figures(world, "2026-10")
    small = services.cycle_create(actor=ops2, role=Role.SUPERVISOR, period="2026-10", scope_unit=world.unit("east"))
    services.manual_scores_set(actor=ops2, appraisal=small.appraisals.get(),
                               scores=[{"kpi_code": "learning_growth", "score": "70", "note": ""}])
    counts = []
    for cycle in (AppraisalCycle.objects.get(pk=small.pk), big):
        ops2 = world.person("ops2")
        with CaptureQueriesContext(connection) as ctx:
            results.cycle_submit(actor=ops2, cycle=cycle)
        counts.append(len(ctx.captured_queries))
    assert AppraisalCycle.objects.get(pk=big.pk).approval.detail["appraisees"][1].startswith("2.")
    assert counts[0] == counts[1], counts
