"""The transition table, table-driven: every step from every state, and every step by every kind of
person. An allowed step lands on its state; a forbidden one is refused and changes nothing (the
finding, its timeline, its extension requests, the audit log, the inboxes)."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.checklists.models import Template
from dudao.core.audit import snapshot
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import AuditEvent
from dudao.findings import services, workflow
from dudao.findings.choices import ExtensionStatus, FindingStatus
from dudao.findings.models import Finding, FindingEvent, FindingExtension
from dudao.inspections.tests.factories import make_template
from dudao.notifications.models import Notification
from dudao.org import services as org_services
from dudao.org.choices import Role

from .factories import drive, make_finding, make_inspection

OPEN, PLANNED, SUBMITTED, CLOSED = "open", "planned", "submitted", "closed"
STATES = [OPEN, PLANNED, SUBMITTED, CLOSED]
ACTIONS = ["plan", "progress", "submit", "accept", "reject", "close_by_reinspection", "request_extension",
           "decide_extension", "comment"]

# The lifecycle of DESIGN.md 2.6, written out independently of workflow.TRANSITIONS.
ALLOWED = {
    ("plan", OPEN): PLANNED,
    ("progress", PLANNED): PLANNED,
    ("submit", PLANNED): SUBMITTED,
    ("accept", SUBMITTED): CLOSED,
    ("reject", SUBMITTED): PLANNED,
    ("close_by_reinspection", OPEN): CLOSED,
    ("close_by_reinspection", PLANNED): CLOSED,
    ("close_by_reinspection", SUBMITTED): CLOSED,
    ("request_extension", OPEN): OPEN,
    ("request_extension", PLANNED): PLANNED,
    ("decide_extension", OPEN): OPEN,
    ("decide_extension", PLANNED): PLANNED,
    ("decide_extension", SUBMITTED): SUBMITTED,
    ("comment", OPEN): OPEN,
    ("comment", PLANNED): PLANNED,
    ("comment", SUBMITTED): SUBMITTED,
    ("comment", CLOSED): CLOSED,
}
DEFAULT_ACTOR = {
    "plan": "unit_manager", "progress": "unit_manager", "submit": "unit_manager", "request_extension": "unit_manager",
    "accept": "supervisor", "reject": "supervisor", "close_by_reinspection": "supervisor",
    "decide_extension": "supervisor", "comment": "region_manager",
}


def test_the_table_is_exactly_the_lifecycle():
    # Asking for more time and commenting keep the state (no target).
    table = {(t.name, source): t.leads_from(source) for t in workflow.FINDING.transitions for source in t.sources}
    # Deciding an extension is the approval engine's step, not the finding's (see below).
    assert table == {key: target for key, target in ALLOWED.items() if key[0] != "decide_extension"}
    assert workflow.FINDING.editable_states == {OPEN, PLANNED}


def prepare(world, status: str, action: str) -> Finding:
    """A finding in `status`; for an extension decision, with a request made while it was open."""
    finding = make_finding(world)
    if action == "decide_extension":
        services.finding_extension_request(actor=world.person("unit_manager"), finding=finding, reason="等配件",
                                           due_date=finding.due_date + dt.timedelta(days=5))
    return drive(world, finding, status)


def take(world, action: str, finding: Finding, actor_key: str | None = None):
    actor = world.person(actor_key or DEFAULT_ACTOR[action])
    if action == "plan":
        return services.finding_plan(actor=actor, finding=finding, measures="新的整改措施")
    if action == "progress":
        return services.finding_progress(actor=actor, finding=finding, note="已完成一半")
    if action == "submit":
        return services.finding_submit(actor=actor, finding=finding, note="全部完成")
    if action == "accept":
        return services.finding_accept(actor=actor, finding=finding, note="合格")
    if action == "reject":
        return services.finding_reject(actor=actor, finding=finding, reason="照片看不清")
    if action == "close_by_reinspection":
        template = Template.objects.filter(organization=world.org).first() or make_template(world)
        inspection = make_inspection(world, template, unit="store1", answers=[("C1", "pass", False, "已改善")])
        return services.finding_close_by_reinspection(actor=actor, finding=finding, inspection=inspection,
                                                      answer=inspection.answers.get())
    if action == "request_extension":
        return services.finding_extension_request(actor=actor, finding=finding, reason="等配件",
                                                  due_date=finding.due_date + dt.timedelta(days=7))
    if action == "decide_extension":
        extension = finding.extensions.order_by("-id").first()
        return services.finding_extension_decide(actor=actor, finding=finding, extension=extension,
                                                 decision="approve")
    if action == "comment":
        return services.finding_comment(actor=actor, finding=finding, note="请尽快处理")
    raise AssertionError(action)


def state(finding: Finding):
    """Everything a refused step must leave as it was."""
    fresh = Finding.objects.get(pk=finding.pk)
    return (
        snapshot(fresh),
        list(FindingEvent.objects.filter(finding=finding).values_list("kind", "round")),
        list(FindingExtension.objects.filter(finding=finding).values_list("status", "requested_due_date")),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


@pytest.mark.parametrize("status", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_step_from_every_state(world, action, status):
    finding = prepare(world, status, action)
    assert finding.status == status
    if (action, status) in ALLOWED:
        events = FindingEvent.objects.filter(finding=finding).count()
        audits = AuditEvent.objects.count()
        take(world, action, finding)
        after = Finding.objects.get(pk=finding.pk)
        assert after.status == ALLOWED[(action, status)]
        assert FindingEvent.objects.filter(finding=finding).count() > events
        assert AuditEvent.objects.count() > audits
    else:
        before = state(finding)
        with pytest.raises(ApplicationError) as refused:
            take(world, action, finding)
        assert refused.value.code == ErrorCode.INVALID_TRANSITION
        assert state(finding) == before


# --- who may take each step ------------------------------------------------------------------
UNIT_SIDE = ("plan", "progress", "submit", "request_extension")
SUPERVISOR_SIDE = ("accept", "reject", "close_by_reinspection")
EVERYONE_ELSE = ("region_manager", "executive", "department_head", "hr", "finance", "staff", "no_role",
                 "other_region_manager", "other_unit_manager", "b_admin", "b_unit_manager")
# The world's ops manager holds the role on the operations center, which does not cover the stores.
WHO = {
    **dict.fromkeys(UNIT_SIDE, (("unit_manager",), ("supervisor", "admin", "ops_manager", *EVERYONE_ELSE))),
    **dict.fromkeys(SUPERVISOR_SIDE, (("supervisor", "admin"), ("unit_manager", "ops_manager", *EVERYONE_ELSE))),
    # Extensions are decided by whom the policy routes them to (the supervisor over the unit), in the
    # approval engine; an admin is no approver of them unless the policy says so.
    "decide_extension": (("supervisor",), ("admin", "unit_manager", "ops_manager", *EVERYONE_ELSE)),
    "comment": (("unit_manager", "supervisor", "region_manager", "executive", "admin"),
                ("staff", "no_role", "hr", "other_region_manager", "other_unit_manager", "b_admin")),
}
SOURCE_STATE = {"plan": OPEN, "progress": PLANNED, "submit": PLANNED, "request_extension": OPEN, "accept": SUBMITTED,
                "reject": SUBMITTED, "close_by_reinspection": SUBMITTED, "decide_extension": PLANNED,
                "comment": PLANNED}
CASES = [(action, actor, True) for action, (allowed, _) in WHO.items() for actor in allowed] + [
    (action, actor, False) for action, (_, refused) in WHO.items() for actor in refused]


@pytest.mark.parametrize(("action", "actor", "allowed"), CASES)
def test_only_the_named_roles_take_each_step(world, action, actor, allowed):
    finding = prepare(world, SOURCE_STATE[action], action)
    if allowed:
        take(world, action, finding, actor)
        assert Finding.objects.get(pk=finding.pk).status == ALLOWED[(action, SOURCE_STATE[action])]
    else:
        before = state(finding)
        with pytest.raises(ApplicationError) as refused:
            take(world, action, finding, actor)
        # Both answer 404 from outside: the approval request may be out of the person's sight.
        assert refused.value.code in {ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND}
        assert state(finding) == before


@pytest.mark.parametrize("action", ["accept", "reject", "close_by_reinspection"])
def test_a_unit_manager_never_accepts_their_own_units_work(world, action):
    """Even a supervisor of the region who also manages the store may not decide on the store's work."""
    admin, supervisor = world.person("admin"), world.person("supervisor")
    org_services.role_grant(actor=admin, person=supervisor, role=Role.UNIT_MANAGER, unit=world.unit("store1"))
    finding = prepare(world, SOURCE_STATE[action], action)
    before = state(finding)
    with pytest.raises(ApplicationError) as refused:
        take(world, action, finding, "supervisor")
    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert state(finding) == before
    take(world, action, finding, "admin")  # the same step by someone else in scope goes through


def test_an_ops_manager_over_the_stores_accepts(world):
    admin = world.person("admin")
    org_services.role_grant(actor=admin, person=world.person("ops_manager"), role=Role.OPS_MANAGER,
                            unit=world.unit("east"))
    finding = prepare(world, SUBMITTED, "accept")
    take(world, "accept", finding, "ops_manager")
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.CLOSED


def test_closing_cancels_a_pending_extension(world):
    finding = prepare(world, SUBMITTED, "decide_extension")
    take(world, "accept", finding)
    assert finding.extensions.get().status == ExtensionStatus.CANCELLED
