"""Every kind in the policy goes through the one engine: the requestable kinds are asked for by hand
(API and page), each routed by the policy; the kinds other apps own are refused by hand, naming `kind`."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dudao.approvals.choices import REQUESTABLE_KINDS, SERVICE_KINDS, ApprovalKind
from dudao.approvals.models import ApprovalRequest
from dudao.core.models import AuditEvent
from dudao.policies.registry import policy_for

# What a person writes for each requestable kind: the API payload's amount and detail, and the form.
EXAMPLES = {
    "purchase": (250, {"items": "继电器 x2", "reason": "冷柜温度偏高"}),
    "asset_write_off": (120, {"asset_name": "收银机", "reason": "进水损坏"}),
    "consumables_write_off": (80, {"items": "一次性手套 20 盒", "reason": "受潮"}),
    "activity_funds": (800, {"activity": "周年店庆", "purpose": "布置与礼品"}),
    "target_revision": (None, {"target_of": "南京西路店", "kpi": "销售额", "target_period": "2026-12",
                               "current_value": "500000", "requested_value": "420000", "reason": "商场装修封闭两周"}),
    "recruitment_plan": (None, {"month": "2026-12", "positions": "服务员 3 人", "headcount": 3,
                                "reason": "春节前客流"}),
}


def test_every_kind_is_either_requestable_or_made_by_a_service():
    assert set(REQUESTABLE_KINDS) == set(EXAMPLES)
    assert set(REQUESTABLE_KINDS) | set(SERVICE_KINDS) == set(ApprovalKind.values)
    assert {"plan", "report", "rectification_extension"} <= set(SERVICE_KINDS)


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_each_requestable_kind_is_created_over_the_api_and_routed_by_policy(live_world, api_for, kind):
    world = live_world
    amount, detail = EXAMPLES[kind]
    client = api_for(world.people["unit_manager"])
    payload = {"kind": kind, "title": f"申请:{kind}", "unit_id": world.units["store1"].pk, "detail": detail}
    if amount is not None:
        payload["amount"] = amount
    response = client.post("/api/v1/approvals", json=payload)
    assert response.status_code == 201, response.text
    body = response.json()
    expected = list(policy_for(world.org).approvals.roles_for(kind, amount))
    assert [s["role"] for s in body["steps"]] == expected
    assert body["steps"][0]["status"] == "pending" and body["kind"] == kind and body["detail"] == detail
    assert AuditEvent.objects.filter(action="approval.request", object_id=str(body["id"])).exists()


@pytest.mark.parametrize("kind", list(SERVICE_KINDS))
def test_kinds_made_by_other_apps_are_refused_by_hand_naming_kind(live_world, api_for, kind):
    client = api_for(live_world.people["unit_manager"])
    before = (ApprovalRequest.objects.count(), AuditEvent.objects.count())
    response = client.post("/api/v1/approvals", json={
        "kind": kind, "title": "手工申请", "unit_id": live_world.units["store1"].pk})
    assert response.status_code == 422, response.text
    body = response.json()
    assert list(body["detail"]["fields"]) == ["kind"]
    assert str(ApprovalKind(kind).label) in body["message"] and "不能在此直接申请" in body["message"]
    assert (ApprovalRequest.objects.count(), AuditEvent.objects.count()) == before


def test_an_unknown_kind_is_refused_naming_kind(live_world, api_for):
    client = api_for(live_world.people["unit_manager"])
    response = client.post("/api/v1/approvals", json={
        "kind": "lunch", "title": "午餐", "unit_id": live_world.units["store1"].pk})
    assert response.status_code == 422 and list(response.json()["detail"]["fields"]) == ["kind"]


def test_the_kind_chooser_offers_every_requestable_kind_and_no_other(world, client):
    client.force_login(world.people["unit_manager"])
    text = client.get(reverse("approvals:create")).content.decode()
    for kind in REQUESTABLE_KINDS:
        assert f"?kind={kind}\"" in text, kind
    for kind in SERVICE_KINDS:
        assert f"?kind={kind}\"" not in text, kind


def test_a_service_kind_in_the_address_shows_the_chooser_with_the_reason(world, client):
    client.force_login(world.people["unit_manager"])
    response = client.get(reverse("approvals:create") + "?kind=rectification_extension", follow=True)
    text = response.content.decode()
    assert response.status_code == 200 and "不能在此直接申请" in text and "?kind=purchase" in text


def test_a_target_revision_form_has_no_amount_and_goes_to_the_executive(world, client):
    client.force_login(world.people["unit_manager"])
    url = reverse("approvals:create") + "?kind=target_revision"
    form = client.get(url).content.decode()
    assert 'name="amount"' not in form and 'name="requested_value"' in form
    response = client.post(url, {
        "kind": "target_revision", "unit": world.units["store1"].pk, "title": "12月销售指标修正",
        "target_of": "南京西路店", "kpi": "销售额", "target_period": "2026-12", "current_value": "500000",
        "requested_value": "420000", "reason": "商场装修封闭两周",
    })
    assert response.status_code == 302, response.content.decode()[:800]
    created = ApprovalRequest.objects.get(title="12月销售指标修正")
    assert created.amount is None
    assert created.detail["requested_value"] == "420000" and created.detail["target_period"] == "2026-12"
    assert list(created.steps.values_list("role", flat=True)) == ["executive"]
    page = client.get(created.get_absolute_url()).content.decode()
    assert "修正为" in page and "指标期间" in page


def test_a_recruitment_plan_goes_to_ops_and_hr(world, client):
    client.force_login(world.people["unit_manager"])
    response = client.post(reverse("approvals:create") + "?kind=recruitment_plan", {
        "kind": "recruitment_plan", "unit": world.units["store1"].pk, "title": "12月招募计划",
        "month": "2026-12", "positions": "服务员 3 人", "headcount": "3", "reason": "春节前客流",
    })
    assert response.status_code == 302, response.content.decode()[:800]
    created = ApprovalRequest.objects.get(title="12月招募计划")
    assert created.detail["headcount"] == 3
    assert list(created.steps.values_list("role", flat=True)) == ["ops_manager", "hr"]


def test_a_consumables_write_off_form_asks_for_the_amount(world, client):
    client.force_login(world.people["unit_manager"])
    url = reverse("approvals:create") + "?kind=consumables_write_off"
    before = ApprovalRequest.objects.count()
    response = client.post(url, {"kind": "consumables_write_off", "unit": world.units["store1"].pk,
                                 "title": "手套受潮", "items": "手套 20 盒", "reason": "仓库漏水"})
    assert response.status_code == 422 and ApprovalRequest.objects.count() == before
    response = client.post(url, {"kind": "consumables_write_off", "unit": world.units["store1"].pk,
                                 "title": "手套受潮", "amount": "80", "items": "手套 20 盒", "reason": "仓库漏水"})
    assert response.status_code == 302
    assert list(ApprovalRequest.objects.get(title="手套受潮").steps.values_list("role", flat=True)) == [
        "department_head"]
