"""The approval engine: steps in order, only the right person decides, rejections end it, deadlines remind."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from dudao.approvals import registry
from dudao.approvals.choices import ApprovalStatus, StepStatus
from dudao.approvals.models import ApprovalRequest, ApprovalStep
from dudao.approvals.services import (
    approval_decide,
    approval_request_create,
    approval_steps_remind_overdue,
    approval_withdraw,
)
from dudao.approvals.tests.factories import purchase, request_state
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import AuditEvent
from dudao.notifications.models import Notification
from dudao.org import services as org_services
from dudao.org.choices import Role
from dudao.policies.services import policy_version_create


def inbox(world, key, kind=None):
    rows = Notification.objects.filter(recipient=world.people[key])
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("kind", "title"))


# --- requesting --------------------------------------------------------------------------------
def test_a_250_yuan_purchase_gets_two_steps_the_first_waiting_with_a_deadline(world):
    now = timezone.now()
    request = purchase(world, 250, now=now)
    assert request.status == ApprovalStatus.PENDING
    assert request.amount == Decimal("250.00")
    steps = list(request.steps.order_by("position"))
    assert [(s.role, s.status) for s in steps] == [("department_head", "pending"), ("ops_manager", "waiting")]
    assert steps[0].due_at == now + dt.timedelta(days=3)
    assert steps[0].activated_at == now and steps[1].due_at is None
    assert [p.username for p in steps[0].approvers.all()] == ["department_head"]
    assert [p.username for p in steps[1].approvers.all()] == ["ops_manager"]
    event = AuditEvent.objects.get(action="approval.request", object_id=str(request.pk))
    assert event.after["amount"] == "250.00" and [s["role"] for s in event.after["steps"]] == [
        "department_head", "ops_manager"]
    assert inbox(world, "department_head") == [("approval.pending", "待您审批:冷柜维修配件")]
    assert inbox(world, "ops_manager") == []


def test_the_step_deadline_comes_from_policy(world):
    from dudao.policies.services import policy_version_create

    policy_version_create(actor=world.people["admin"], organization=world.org, effective_from=timezone.localdate(),
                          overrides={"approvals": {"step_deadline_days": 5}})
    now = timezone.now()
    step = purchase(world, 100, now=now).steps.get()
    assert step.due_at == now + dt.timedelta(days=5)


def test_a_recruitment_plan_is_decided_by_ops_and_hr_together_within_the_policy_days(world):
    """招募计划: ops and HR decide within 3 days of the store's submission, not 3 days each."""
    submitted = timezone.now() - dt.timedelta(days=2)
    request = approval_request_create(
        actor=world.person("unit_manager"), kind="recruitment_plan", title="1月招募计划", unit=world.unit("store1"),
        detail={"month": "2027-01", "positions": "服务员 2 人", "headcount": 2, "reason": "春节"}, now=submitted)
    deadline = submitted + dt.timedelta(days=3)
    assert request.steps.get(position=1).due_at == deadline
    approval_decide(actor=world.person("ops_manager"), approval=request, decision="approve",
                    now=submitted + dt.timedelta(days=2))
    hr_step = request.steps.get(position=2)
    assert (hr_step.role, hr_step.status, hr_step.due_at) == ("hr", "pending", deadline)
    # A kind without a whole deadline still gives each step its own days from its start.
    purchase_request = purchase(world, 250, now=submitted)
    approval_decide(actor=world.person("department_head"), approval=purchase_request, decision="approve",
                    now=submitted + dt.timedelta(days=2))
    assert purchase_request.steps.get(position=2).due_at == submitted + dt.timedelta(days=5)


@pytest.mark.parametrize(("changes", "field"), [
    ({"kind": "bribe"}, "kind"),
    ({"title": "  "}, "title"),
    ({"amount": None}, "amount"),
    ({"amount": -1}, "amount"),
    ({"amount": "12.345"}, "amount"),
    ({"detail": ["not", "a", "dict"]}, "detail"),
])
def test_bad_requests_are_refused_naming_the_field_and_save_nothing(world, changes, field):
    before = (ApprovalRequest.objects.count(), AuditEvent.objects.count(), Notification.objects.count())
    arguments = {"actor": world.people["unit_manager"], "kind": "purchase", "title": "配件", "amount": 100,
                 "unit": world.units["store1"], **changes}
    with pytest.raises(ApplicationError) as refused:
        approval_request_create(**arguments)
    assert refused.value.code == ErrorCode.VALIDATION
    assert field in refused.value.detail["fields"]
    assert (ApprovalRequest.objects.count(), AuditEvent.objects.count(), Notification.objects.count()) == before


def test_nobody_asks_on_behalf_of_a_unit_outside_their_scope(world):
    before = ApprovalRequest.objects.count()
    for actor, unit in [("unit_manager", "store3"), ("no_role", "store1"), ("b_unit_manager", "store1")]:
        with pytest.raises(ApplicationError) as refused:
            approval_request_create(actor=world.people[actor], kind="purchase", title="x", amount=1,
                                    unit=world.units[unit])
        assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert ApprovalRequest.objects.count() == before


# --- deciding ----------------------------------------------------------------------------------
def test_steps_are_decided_in_order_and_the_last_approval_completes_the_request(world):
    request = purchase(world, 250)
    approval_decide(actor=world.person("department_head"), approval=request, decision="approve", comment="同意采购")
    request.refresh_from_db()
    steps = list(request.steps.order_by("position"))
    assert request.status == ApprovalStatus.PENDING
    assert [(s.status, s.decided_by_id) for s in steps] == [
        ("approved", world.people["department_head"].pk), ("pending", None)]
    assert steps[0].comment == "同意采购" and steps[1].due_at is not None
    assert inbox(world, "ops_manager") == [("approval.pending", "待您审批:冷柜维修配件")]
    assert ("approval.progress", "department_head 已同意:冷柜维修配件") in inbox(world, "unit_manager")

    approval_decide(actor=world.person("ops_manager"), approval=request, decision="approve")
    request.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED and request.decided_at is not None
    assert ("approval.approved", "审批通过:冷柜维修配件") in inbox(world, "unit_manager")
    decisions = AuditEvent.objects.filter(action="approval.decide", object_id=str(request.pk)).order_by("seq")
    assert [(e.actor_id, e.after["step"], e.after["status"]) for e in decisions] == [
        (world.people["department_head"].pk, 1, "pending"), (world.people["ops_manager"].pk, 2, "approved")]


def test_a_later_approver_cannot_decide_before_their_turn_and_nothing_changes(world):
    request = purchase(world, 250)
    before = request_state(request)
    with pytest.raises(ApplicationError) as refused:
        approval_decide(actor=world.person("ops_manager"), approval=request, decision="approve")
    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert request_state(request) == before
    # The right person, in turn, may.
    approval_decide(actor=world.person("department_head"), approval=request, decision="approve")
    assert request.steps.get(position=1).status == StepStatus.APPROVED


def test_nobody_decides_their_own_request_and_nothing_changes(world):
    # The unit manager also holds the department head role; the request still goes to someone else.
    org_services.role_grant(actor=world.people["admin"], person=world.people["unit_manager"],
                            role=Role.DEPARTMENT_HEAD, unit=world.units["department"])
    request = purchase(world, 100)
    assert [p.username for p in request.steps.get().approvers.all()] == ["department_head"]
    before = request_state(request)
    with pytest.raises(ApplicationError) as refused:
        approval_decide(actor=world.person("unit_manager"), approval=request, decision="approve")
    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert request_state(request) == before
    approval_decide(actor=world.person("department_head"), approval=request, decision="approve")
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalStatus.APPROVED


def test_a_rejection_needs_a_comment_and_ends_the_request(world):
    request = purchase(world, 400)
    before = request_state(request)
    with pytest.raises(ApplicationError) as refused:
        approval_decide(actor=world.person("department_head"), approval=request, decision="reject", comment=" ")
    assert refused.value.code == ErrorCode.VALIDATION and "comment" in refused.value.detail["fields"]
    assert request_state(request) == before

    approval_decide(actor=world.person("department_head"), approval=request, decision="reject",
                    comment="预算已用完,下月再申请")
    request.refresh_from_db()
    assert request.status == ApprovalStatus.REJECTED
    assert list(request.steps.order_by("position").values_list("status", flat=True)) == [
        "rejected", "skipped", "skipped"]
    assert inbox(world, "unit_manager", "approval.rejected") == [("approval.rejected", "审批被驳回:冷柜维修配件")]
    assert inbox(world, "ops_manager") == []


def test_after_a_rejection_nobody_can_decide_and_nothing_changes(world):
    request = purchase(world, 400)
    approval_decide(actor=world.person("department_head"), approval=request, decision="reject", comment="不需要")
    for actor in ("department_head", "ops_manager", "executive"):
        before = request_state(request)
        with pytest.raises(ApplicationError) as refused:
            approval_decide(actor=world.person(actor), approval=request, decision="approve")
        assert refused.value.code == ErrorCode.INVALID_TRANSITION, actor
        assert request_state(request) == before


def test_people_outside_the_request_cannot_see_or_decide_it(world):
    request = purchase(world, 100)
    for actor in ("other_region_manager", "other_unit_manager", "no_role", "b_admin", "staff"):
        before = request_state(request)
        with pytest.raises(ApplicationError) as refused:
            approval_decide(actor=world.person(actor), approval=request, decision="approve")
        assert refused.value.code == ErrorCode.NOT_FOUND, actor
        assert request_state(request) == before


def test_an_unknown_decision_is_refused(world):
    request = purchase(world, 100)
    before = request_state(request)
    with pytest.raises(ApplicationError) as refused:
        approval_decide(actor=world.person("department_head"), approval=request, decision="maybe")
    assert "decision" in refused.value.detail["fields"]
    assert request_state(request) == before


def test_approvers_see_requests_from_units_outside_their_subtree(world):
    request = purchase(world, 250)
    # The department head's role is on the management department, not over store1.
    assert ApprovalRequest.objects.visible_to(world.person("department_head")).filter(pk=request.pk).exists()
    assert ApprovalRequest.objects.visible_to(world.person("ops_manager")).filter(pk=request.pk).exists()
    assert ApprovalRequest.objects.visible_to(world.person("region_manager")).filter(pk=request.pk).exists()
    assert not ApprovalRequest.objects.visible_to(world.person("other_region_manager")).filter(pk=request.pk).exists()
    assert not ApprovalRequest.objects.visible_to(world.person("staff")).filter(pk=request.pk).exists()


# --- outcome handlers ----------------------------------------------------------------------------
def test_the_owning_app_hears_the_outcome_inside_the_deciding_transaction(world, monkeypatch):
    heard = []

    def handler(request, outcome):
        heard.append((request.pk, outcome, connection.in_atomic_block))

    monkeypatch.setitem(registry._HANDLERS, "report", handler)
    report = approval_request_create(actor=world.person("supervisor"), kind="report", title="华东区周报",
                                     unit=world.units["east"], subject=world.units["east"])
    assert (report.subject_type, report.subject_id) == ("org.unit", str(world.units["east"].pk))
    approval_decide(actor=world.person("ops_manager"), approval=report, decision="approve")
    assert heard == [(report.pk, "approved", True)]


def test_a_failing_handler_undoes_the_decision(world, monkeypatch):
    def handler(request, outcome):
        raise ApplicationError(ErrorCode.CONFLICT, "subject changed")

    monkeypatch.setitem(registry._HANDLERS, "report", handler)
    report = approval_request_create(actor=world.person("supervisor"), kind="report", title="周报",
                                     unit=world.units["east"], subject=world.units["east"])
    before = request_state(report)
    with pytest.raises(ApplicationError):
        approval_decide(actor=world.person("ops_manager"), approval=report, decision="approve")
    assert request_state(report) == before


def test_one_handler_per_kind(monkeypatch):
    monkeypatch.setattr(registry, "_HANDLERS", dict(registry._HANDLERS))

    def first(request, outcome):
        pass

    def second(request, outcome):
        pass

    registry.register_outcome_handler("recruitment_plan", first)
    registry.register_outcome_handler("recruitment_plan", first)  # the same one again is fine (ready() twice)
    with pytest.raises(ValueError, match="already has an outcome handler"):
        registry.register_outcome_handler("recruitment_plan", second)
    with pytest.raises(ValueError, match="unknown approval kind"):
        registry.register_outcome_handler("bribe", first)
    assert registry.outcome_handler("plan") is not None  # planning registers its own in ready()


# --- deadlines -----------------------------------------------------------------------------------
def test_overdue_steps_remind_their_approvers_once_per_policy_interval(world):
    policy_version_create(actor=world.person("admin"), organization=world.org, effective_from=timezone.localdate(),
                          overrides={"approvals": {"overdue_reminder_days": 2}})
    start = timezone.now()
    request = purchase(world, 250, now=start)
    assert approval_steps_remind_overdue(now=start + dt.timedelta(days=2)) == 0
    later = start + dt.timedelta(days=3, hours=1)
    assert approval_steps_remind_overdue(now=later) == 1
    assert approval_steps_remind_overdue(now=later + dt.timedelta(days=1)) == 0
    assert inbox(world, "department_head", "approval.overdue") == [("approval.overdue", "审批已超期:冷柜维修配件")]
    step = request.steps.get(position=1)
    assert step.reminded_at == later and step.is_overdue(later)
    assert AuditEvent.objects.filter(action="approval_step.remind").count() == 1
    # Still undecided after the policy's two days: reminded again.
    assert approval_steps_remind_overdue(now=later + dt.timedelta(days=2)) == 1
    assert len(inbox(world, "department_head", "approval.overdue")) == 2
    later = later + dt.timedelta(days=2)
    # The next step has its own deadline and its own reminder.
    approval_decide(actor=world.person("department_head"), approval=request, decision="approve", now=later)
    assert approval_steps_remind_overdue(now=later + dt.timedelta(days=3, minutes=1)) == 1
    assert len(inbox(world, "ops_manager", "approval.overdue")) == 1


def test_the_reminder_job_runs_through_dudao_tick(world):
    start = timezone.now()
    purchase(world, 100, now=start)
    moment = (start + dt.timedelta(days=4)).isoformat()
    call_command("dudao_tick", "--now", moment, "--job", "approval_overdue_reminders")
    call_command("dudao_tick", "--now", (start + dt.timedelta(days=4, hours=2)).isoformat(),
                 "--job", "approval_overdue_reminders")
    assert len(inbox(world, "department_head", "approval.overdue")) == 1


def test_decided_requests_are_not_reminded(world):
    start = timezone.now()
    request = purchase(world, 100, now=start)
    approval_decide(actor=world.person("department_head"), approval=request, decision="approve")
    assert approval_steps_remind_overdue(now=start + dt.timedelta(days=10)) == 0


# --- concurrency -----------------------------------------------------------------------------------
@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite has no row locks; PostgreSQL runs this")
def test_two_simultaneous_decisions_change_the_state_once(transactional_db):
    from dudao.org.testing import build_world

    world = build_world()
    second = org_services.person_create(actor=world.people["admin"], username="dh2", display_name="副主任",
                                        password="Long-pass-2026!")
    org_services.role_grant(actor=world.people["admin"], person=second, role=Role.DEPARTMENT_HEAD,
                            unit=world.units["department"])
    request = purchase(world, 150)
    assert request.steps.get().approvers.count() == 2
    deciders = [world.person("department_head"), second]
    barrier = threading.Barrier(len(deciders))
    results: list = []

    def decide(person, decision):
        try:
            barrier.wait(timeout=10)
            approval_decide(actor=person, approval=request, decision=decision, comment="并发")
            results.append("ok")
        except ApplicationError as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(p, d)) for p, d in zip(deciders, ["approve", "reject"],
                                                                                strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results, key=str) == sorted(["ok", ErrorCode.INVALID_TRANSITION], key=str), results
    request.refresh_from_db()
    assert request.status in {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED}
    assert AuditEvent.objects.filter(action="approval.decide", object_id=str(request.pk)).count() == 1
    step = ApprovalStep.objects.get(request=request)
    assert step.status in {StepStatus.APPROVED, StepStatus.REJECTED} and step.decided_by_id in {p.pk for p in deciders}


# --- withdrawal ------------------------------------------------------------------------------------
def test_a_withdrawn_request_skips_its_open_steps_and_runs_no_outcome(world):
    request = purchase(world, 250)  # department head, then ops manager
    approval_decide(actor=world.person("department_head"), approval=request, decision="approve")
    withdrawn = approval_withdraw(actor=world.person("unit_manager"), approval=request, reason="不再需要")
    assert withdrawn.status == ApprovalStatus.WITHDRAWN
    assert list(request.steps.order_by("position").values_list("status", flat=True)) == [
        StepStatus.APPROVED, StepStatus.SKIPPED]
    assert AuditEvent.objects.get(action="approval.withdraw", object_id=str(request.pk)).after["reason"] == "不再需要"
    assert Notification.objects.filter(recipient=world.person("ops_manager"), kind="approval.withdrawn").count() == 1
    with pytest.raises(ApplicationError) as refused:
        approval_decide(actor=world.person("ops_manager"), approval=request, decision="approve")
    assert refused.value.code == ErrorCode.INVALID_TRANSITION


def test_withdrawing_a_decided_request_changes_nothing(world):
    request = purchase(world, 100)
    approval_decide(actor=world.person("department_head"), approval=request, decision="approve")
    events = AuditEvent.objects.count()
    assert approval_withdraw(actor=None, approval=request, reason="x").status == ApprovalStatus.APPROVED
    assert AuditEvent.objects.count() == events
