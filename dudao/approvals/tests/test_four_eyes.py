"""Four eyes (DESIGN.md 2.10, policy `approvals.four_eyes`): one person decides at most one step of a
request; nobody decides their own. With the value off, one person may decide consecutive steps."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dudao.approvals.choices import ApprovalStatus
from dudao.approvals.models import ApprovalRequest
from dudao.approvals.permissions import can_decide_approval
from dudao.approvals.services import approval_decide
from dudao.approvals.tests.factories import purchase, request_state
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import AuditEvent
from dudao.org import services as org_services
from dudao.org.choices import Role


def boss(world, username, *roles):
    """Someone granted `roles` on the east region (covering store1, so they alone decide those steps)."""
    admin = world.people["admin"]
    person = org_services.person_create(actor=admin, username=username, display_name=username,
                                        password="Long-pass-2026!")
    for role in roles:
        org_services.role_grant(actor=admin, person=person, role=role, unit=world.units["east"])
    world.people[username] = person
    return person


def without_center_staff(world):
    """Deactivate the operations center's department head and ops manager, whom routing would
    otherwise find as the nearest holders once the east region's are excluded."""
    for key in ("department_head", "ops_manager"):
        org_services.person_deactivate(actor=world.people["admin"], person=world.person(key))


def four_eyes_off(world):
    from dudao.policies.services import policy_version_create

    policy_version_create(actor=world.people["admin"], organization=world.org, effective_from=timezone.localdate(),
                          overrides={"approvals": {"four_eyes": False}})


def approvers(request, position):
    return [p.username for p in request.steps.get(position=position).approvers.all()]


def test_a_request_whose_steps_only_one_person_can_decide_is_refused_when_made(world):
    boss(world, "boss", Role.DEPARTMENT_HEAD, Role.OPS_MANAGER)
    without_center_staff(world)
    before = (ApprovalRequest.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as refused:
        purchase(world, 250)
    assert refused.value.code == ErrorCode.VALIDATION
    assert "四眼原则" in refused.value.message and "boss" in refused.value.message
    assert refused.value.detail["roles"] == ["department_head", "ops_manager"]
    assert "unit_id" in refused.value.detail["fields"]
    assert (ApprovalRequest.objects.count(), AuditEvent.objects.count()) == before


def test_with_four_eyes_off_one_person_decides_consecutive_steps(world):
    person = boss(world, "boss", Role.DEPARTMENT_HEAD, Role.OPS_MANAGER)
    without_center_staff(world)
    four_eyes_off(world)
    request = purchase(world, 250)
    approval_decide(actor=person, approval=request, decision="approve")
    request.refresh_from_db()
    assert approvers(request, 2) == ["boss"] and can_decide_approval(person, request)
    approval_decide(actor=person, approval=request, decision="approve")
    request.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED
    assert list(request.steps.values_list("decided_by__username", flat=True)) == ["boss", "boss"]


def test_a_later_step_falls_back_to_the_nearest_holder_once_the_covering_one_decided_an_earlier(world):
    # boss covers store1 for both steps; after deciding the first, the second goes where routing
    # looks when nobody covers the unit: the ops manager nearest in the tree.
    person = boss(world, "boss", Role.DEPARTMENT_HEAD, Role.OPS_MANAGER)
    request = purchase(world, 250)
    assert approvers(request, 1) == approvers(request, 2) == ["boss"]
    approval_decide(actor=person, approval=request, decision="approve")
    assert approvers(request, 2) == ["ops_manager"]
    event = AuditEvent.objects.filter(action="approval.decide", object_id=str(request.pk)).get()
    assert event.after["next_approver_ids"] == [world.people["ops_manager"].pk]


def test_whoever_decided_a_step_is_no_approver_of_the_next(world):
    first, second = boss(world, "boss1", Role.DEPARTMENT_HEAD, Role.OPS_MANAGER), boss(
        world, "boss2", Role.DEPARTMENT_HEAD, Role.OPS_MANAGER)
    request = purchase(world, 250)
    assert approvers(request, 1) == approvers(request, 2) == ["boss1", "boss2"]
    approval_decide(actor=first, approval=request, decision="approve")
    request.refresh_from_db()
    assert approvers(request, 2) == ["boss2"]
    # boss1 may not take the second step too; nothing changes when they try.
    assert not can_decide_approval(first, request)
    before = request_state(request)
    with pytest.raises(ApplicationError) as refused:
        approval_decide(actor=first, approval=request, decision="approve")
    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert request_state(request) == before
    # The other holder may.
    approval_decide(actor=second, approval=request, decision="approve")
    request.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED
    assert list(request.steps.values_list("decided_by__username", flat=True)) == ["boss1", "boss2"]


def test_approving_a_step_that_would_leave_the_next_with_nobody_is_refused_and_someone_else_decides(world):
    both = boss(world, "boss1", Role.DEPARTMENT_HEAD, Role.OPS_MANAGER)
    head = boss(world, "boss2", Role.DEPARTMENT_HEAD)
    without_center_staff(world)
    request = purchase(world, 250)  # boss2 can take step 1 and boss1 step 2: allowed
    assert approvers(request, 1) == ["boss1", "boss2"] and approvers(request, 2) == ["boss1"]
    before = request_state(request)
    with pytest.raises(ApplicationError) as refused:
        approval_decide(actor=both, approval=request, decision="approve")
    assert refused.value.code == ErrorCode.CONFLICT
    assert "四眼原则" in refused.value.message and "运营经理" in refused.value.message
    assert request_state(request) == before
    # The way through: the other department head takes step 1, boss1 step 2.
    approval_decide(actor=head, approval=request, decision="approve")
    approval_decide(actor=both, approval=request, decision="approve")
    request.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED


def test_a_rejection_by_someone_holding_both_roles_is_not_blocked(world):
    both = boss(world, "boss1", Role.DEPARTMENT_HEAD, Role.OPS_MANAGER)
    boss(world, "boss2", Role.DEPARTMENT_HEAD)
    without_center_staff(world)
    request = purchase(world, 250)
    approval_decide(actor=both, approval=request, decision="reject", comment="预算不足")
    request.refresh_from_db()
    assert request.status == ApprovalStatus.REJECTED
    assert list(request.steps.values_list("status", flat=True)) == ["rejected", "skipped"]


def test_nobody_decides_their_own_request_even_with_four_eyes_off(world):
    four_eyes_off(world)
    requester = boss(world, "boss", Role.DEPARTMENT_HEAD, Role.UNIT_MANAGER)
    boss(world, "boss2", Role.DEPARTMENT_HEAD)
    request = purchase(world, 100, requester="boss", unit="store1")
    assert approvers(request, 1) == ["boss2"]
    assert not can_decide_approval(requester, request)
