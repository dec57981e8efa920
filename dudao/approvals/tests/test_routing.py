"""Routing: the policy's roles for each kind and amount, in every pack, resolved to the right people."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dudao.approvals import routing
from dudao.approvals.models import ApprovalRequest
from dudao.approvals.services import approval_request_create
from dudao.core.errors import ApplicationError
from dudao.core.models import AuditEvent
from dudao.org import services as org_services
from dudao.org.testing import build_world
from dudao.policies.registry import available_packs, load_pack

DH, OPS, EXE, SUP, HR = "department_head", "ops_manager", "executive", "supervisor", "hr"

# (kind, amount) -> roles, the same default matrix in every pack (DESIGN.md 2.10).
ROUTING_TABLE = [
    ("purchase", "0", [DH]),
    ("purchase", "150", [DH]),
    ("purchase", "200", [DH]),
    ("purchase", "200.01", [DH, OPS]),
    ("purchase", "250", [DH, OPS]),
    ("purchase", "300", [DH, OPS]),
    ("purchase", "300.01", [DH, OPS, EXE]),
    ("purchase", "5000", [DH, OPS, EXE]),
    ("asset_write_off", "120", [DH, OPS]),
    ("asset_write_off", "300", [DH, OPS]),
    ("asset_write_off", "301", [DH, OPS, EXE]),
    ("activity_funds", "300", [DH, OPS]),
    ("activity_funds", "800", [DH, OPS, EXE]),
    ("plan", None, [EXE]),
    ("report", None, [OPS]),
    ("target_revision", None, [EXE]),
    ("rectification_extension", None, [SUP]),
    ("recruitment_plan", None, [OPS, HR]),
    # Without an amount an amount-routed kind takes its strictest route.
    ("purchase", None, [DH, OPS, EXE]),
]


def test_every_pack_is_covered():
    assert set(available_packs()) == {"restaurant_chain", "bank_branches", "franchise_retail", "utility_plant"}


@pytest.mark.parametrize("pack", ["restaurant_chain", "bank_branches", "franchise_retail", "utility_plant"])
@pytest.mark.parametrize(("kind", "amount", "roles"), ROUTING_TABLE)
def test_routing_table_per_pack(pack, kind, amount, roles):
    policy = load_pack(pack)
    value = Decimal(amount) if amount is not None else None
    assert list(policy.approvals.roles_for(kind, value)) == roles


@pytest.mark.parametrize("pack", ["restaurant_chain", "bank_branches", "franchise_retail", "utility_plant"])
@pytest.mark.parametrize(("amount", "expected"), [
    ("150", [("department_head", ["department_head"])]),
    ("250", [("department_head", ["department_head"]), ("ops_manager", ["ops_manager"])]),
    ("350", [("department_head", ["department_head"]), ("ops_manager", ["ops_manager"]),
             ("executive", ["executive"])]),
])
def test_purchase_from_a_store_reaches_the_people_holding_each_role(db, pack, amount, expected):
    world = build_world(pack)
    steps = routing.route(kind="purchase", amount=Decimal(amount), unit=world.units["store1"],
                          requester=world.people["unit_manager"], on=None)
    usernames = {p.pk: key for key, p in world.people.items()}
    assert [(s.role, [usernames[p.pk] for p in s.approvers]) for s in steps] == expected


def test_a_role_covering_the_unit_wins_over_the_nearest_holder(world):
    # A department head on the east region covers store1; the management department's does not.
    east_head = org_services.person_create(
        actor=world.people["admin"], username="east_head", display_name="华东部门负责人", password="Long-pass-2026!")
    org_services.role_grant(actor=world.people["admin"], person=east_head, role=DH, unit=world.units["east"])
    approvers = routing.approvers_for(role=DH, unit=world.units["store1"])
    assert [p.username for p in approvers] == ["east_head"]
    # Nobody covers the west region's store: both heads are equally near (they share the root with it).
    nearest = routing.approvers_for(role=DH, unit=world.units["store3"])
    assert sorted(p.username for p in nearest) == ["department_head", "east_head"]


def test_line_roles_must_cover_the_unit(world):
    # The only supervisor works in the east region: nobody may decide a west store's extension.
    assert [p.username for p in routing.approvers_for(role=SUP, unit=world.units["store1"])] == ["supervisor"]
    assert routing.approvers_for(role=SUP, unit=world.units["store3"]) == []


def test_a_step_nobody_holds_is_refused_naming_the_role_and_nothing_is_saved(world):
    before = (ApprovalRequest.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as refused:
        approval_request_create(actor=world.people["other_unit_manager"], kind="rectification_extension",
                                title="延期申请", unit=world.units["store3"], subject=world.units["store3"])
    assert refused.value.code == "validation_error"
    assert "督导" in refused.value.message
    assert refused.value.detail["role"] == "supervisor"
    assert "unit_id" in refused.value.detail["fields"]
    assert (ApprovalRequest.objects.count(), AuditEvent.objects.count()) == before


def test_the_requester_never_decides_even_holding_the_role(world):
    # The department head asks for a purchase: nobody else holds the first step's role.
    before = ApprovalRequest.objects.count()
    with pytest.raises(ApplicationError) as refused:
        approval_request_create(actor=world.people["department_head"], kind="purchase", title="打印纸", amount=80,
                                unit=world.units["department"])
    assert "本人不能审批" in refused.value.message
    assert ApprovalRequest.objects.count() == before
    # With a second department head the request goes to them, not to the requester.
    other = org_services.person_create(
        actor=world.people["admin"], username="dh2", display_name="副主任", password="Long-pass-2026!")
    org_services.role_grant(actor=world.people["admin"], person=other, role=DH, unit=world.units["department"])
    request = approval_request_create(actor=world.people["department_head"], kind="purchase", title="打印纸",
                                      amount=80, unit=world.units["department"])
    assert [p.username for p in request.steps.get().approvers.all()] == ["dh2"]


def test_org_wide_roles_decide_for_every_unit(world):
    assert [p.username for p in routing.approvers_for(role=EXE, unit=world.units["store3"])] == ["executive"]
