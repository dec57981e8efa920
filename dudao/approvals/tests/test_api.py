"""Approvals over the API: who sees and decides what, the inbox, the shapes DESIGN.md section 5 gives."""

from __future__ import annotations

import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from dudao.approvals.models import ApprovalRequest
from dudao.approvals.tests.factories import other_org_purchase, purchase, request_state
from dudao.core.models import AuditEvent
from dudao.core.testing import ApiListMatrix, ApiObjectMatrix


class TestApprovalListMatrix(ApiListMatrix):
    route = "GET /api/v1/approvals"
    in_scope = "region_manager"

    def target(self, world):
        return purchase(world, 250)

    def other_org_target(self, world):
        return other_org_purchase(world)


class TestApprovalGetMatrix(ApiObjectMatrix):
    route = "GET /api/v1/approvals/{approval_id}"
    in_scope = "department_head"  # an approver outside the store's subtree

    def path(self, world, target):
        return f"/approvals/{target.pk}"

    def target(self, world):
        return purchase(world, 250)

    def other_org_target(self, world):
        return other_org_purchase(world)

    def check_success(self, world, target, response):
        body = response.json()
        assert body["id"] == target.pk and body["status"] == "pending" and body["can_decide"] is True
        assert [(s["role"], s["status"]) for s in body["steps"]] == [
            ("department_head", "pending"), ("ops_manager", "waiting")]
        assert body["amount"] == "250.00" and body["unit_name"] == "南京西路店"


class TestApprovalCreateMatrix(ApiObjectMatrix):
    route = "POST /api/v1/approvals"
    success_status = 201
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"

    def path(self, world, target):
        return "/approvals"

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def payload(self, world, target):
        return {"kind": "purchase", "title": "冷柜维修配件", "amount": 250, "unit_id": target.pk,
                "detail": {"items": "继电器 x2"}}

    def snapshot(self, world):
        return ApprovalRequest.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "pending"
        assert [{"role": s["role"], "status": s["status"]} for s in body["steps"]] == [
            {"role": "department_head", "status": "pending"}, {"role": "ops_manager", "status": "waiting"}]
        assert body["detail"] == {"items": "继电器 x2"} and body["requester_id"] == world.people["unit_manager"].pk


class TestApprovalDecideMatrix(ApiObjectMatrix):
    route = "POST /api/v1/approvals/{approval_id}/decide"
    in_scope = "department_head"
    # They see the request but it is not their turn, or it is their own.
    refused = ("ops_manager", "unit_manager", "region_manager", "executive")

    def path(self, world, target):
        return f"/approvals/{target.pk}/decide"

    def target(self, world):
        existing = ApprovalRequest.objects.filter(organization=world.org, title="冷柜维修配件").first()
        return existing or purchase(world, 250)

    def other_org_target(self, world):
        return other_org_purchase(world)

    def payload(self, world, target):
        return {"decision": "approve", "comment": "同意"}

    def snapshot(self, world):
        other_org_purchase(world)  # made before the first look, so the counts compare like with like
        return request_state(self.target(world))

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "pending" and body["current_role"] == "ops_manager"
        assert body["steps"][0]["status"] == "approved" and body["steps"][0]["comment"] == "同意"
        assert body["steps"][0]["decided_by_id"] == world.people["department_head"].pk


# --- behaviour -------------------------------------------------------------------------------------
def test_the_inbox_lists_what_waits_for_me_and_mine_lists_what_i_asked(live_world, api_for):
    world = live_world
    first = purchase(world, 250, title="第一单")
    second = purchase(world, 150, title="第二单")
    head, ops, manager = (api_for(world.people[k]) for k in ("department_head", "ops_manager", "unit_manager"))

    def titles(client, **params):
        response = client.get("/api/v1/approvals", params=params)
        assert response.status_code == 200, response.text
        return [item["title"] for item in response.json()["items"]]

    assert titles(head, pending_for_me="true") == ["第二单", "第一单"]
    assert titles(ops, pending_for_me="true") == []
    assert titles(manager, mine="true") == ["第二单", "第一单"]
    assert titles(manager, pending_for_me="true") == []

    response = head.post(f"/api/v1/approvals/{first.pk}/decide", json={"decision": "approve", "comment": "可以"})
    assert response.status_code == 200, response.text
    assert titles(head, pending_for_me="true") == ["第二单"]
    assert titles(ops, pending_for_me="true") == ["第一单"]
    response = ops.post(f"/api/v1/approvals/{first.pk}/decide", json={"decision": "approve"})
    assert response.json()["status"] == "approved"
    assert titles(manager, mine="true", status="approved") == ["第一单"]
    # Deciding again: the request is decided (409), nothing changes.
    before = request_state(first)
    response = ops.post(f"/api/v1/approvals/{first.pk}/decide", json={"decision": "reject", "comment": "x"})
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    assert request_state(first) == before
    assert second.pk  # still pending for the department head


def test_a_rejection_without_comment_is_refused_naming_the_field(live_world, api_for):
    request = purchase(live_world, 250)
    head = api_for(live_world.people["department_head"])
    before = request_state(request)
    response = head.post(
        f"/api/v1/approvals/{request.pk}/decide", json={"decision": "reject", "comment": ""})
    assert response.status_code == 422
    assert "comment" in response.json()["detail"]["fields"]
    assert request_state(request) == before


def test_create_refuses_kinds_owned_by_other_apps_and_missing_amounts(live_world, api_for):
    client = api_for(live_world.people["unit_manager"])
    before = ApprovalRequest.objects.count()
    store = live_world.units["store1"].pk
    response = client.post("/api/v1/approvals", json={"kind": "plan", "title": "x", "unit_id": store})
    assert response.status_code == 422 and "kind" in response.json()["detail"]["fields"]
    response = client.post("/api/v1/approvals", json={"kind": "purchase", "title": "x", "unit_id": store})
    assert response.status_code == 422 and "amount" in response.json()["detail"]["fields"]
    response = client.post("/api/v1/approvals", json={"kind": "purchase", "title": "x", "amount": -5,
                                                       "unit_id": store})
    assert response.status_code == 422 and "amount" in response.json()["detail"]["fields"]
    assert ApprovalRequest.objects.count() == before


def test_a_request_with_an_attachment_shows_it_to_the_approver(live_world, api_for):
    manager = api_for(live_world.people["unit_manager"])
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    upload = manager.post("/api/v1/attachments", files={"file": ("报价单.png", buffer.getvalue(), "image/png")})
    assert upload.status_code == 201, upload.text
    attachment_id = upload.json()["id"]
    response = manager.post("/api/v1/approvals", json={
        "kind": "purchase", "title": "报价附件", "amount": 120, "unit_id": live_world.units["store1"].pk,
        "attachment_ids": [attachment_id]})
    assert response.status_code == 201, response.text
    approval_id = response.json()["id"]
    head = api_for(live_world.people["department_head"])
    assert head.get(f"/api/v1/approvals/{approval_id}").json()["attachment_ids"] == [attachment_id]
    # Bound to store1, the file itself stays outside the department head's subtree: the request's
    # page serves it to them (see test_pages).
    assert head.get(f"/api/v1/attachments/{attachment_id}").status_code == 404


def test_the_list_costs_a_fixed_number_of_queries(world, client):
    for n in range(12):
        purchase(world, 100 + n, title=f"单{n}")
    client.force_login(world.people["department_head"])
    counts = []
    for limit in (2, 10):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/approvals?pending_for_me=true&limit={limit}")
        assert len(response.json()["items"]) == limit
        counts.append(len(ctx.captured_queries))
    # session, person, roles, count, page, prefetched steps with who decided, session renewal
    assert counts[0] == counts[1] <= 10, counts


def test_the_detail_costs_the_same_whatever_the_number_of_steps(world, client):
    short, long = purchase(world, 100, title="一步"), purchase(world, 900, title="三步")
    assert (short.steps.count(), long.steps.count()) == (1, 3)
    client.force_login(world.people["department_head"])
    counts = []
    for request in (short, long):
        client.get(f"/api/v1/approvals/{request.pk}")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/approvals/{request.pk}")
        assert response.status_code == 200 and response.json()["can_decide"] is True
        counts.append(len(ctx.captured_queries))
    # session, person, roles, request, steps with who decided, approvers, attachments, role holders
    # for can_decide (the four-eyes policy is read only once a step was decided), session renewal
    assert counts[0] == counts[1] <= 11, counts
