"""Approval pages: the inbox, my requests, a request with every step, new requests with attachments."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dudao.approvals.models import ApprovalRequest
from dudao.approvals.tests.factories import (
    other_org_purchase,
    png_file,
    purchase,
    purchase_with_attachment,
    request_state,
)
from dudao.core.models import Attachment, AuditEvent
from dudao.core.testing import PageListMatrix, PageObjectMatrix


class TestInboxPage(PageListMatrix):
    url_name = "approvals:inbox"
    in_scope = "department_head"

    def target(self, world):
        return purchase(world, 250, title="待审冷柜配件")

    def other_org_target(self, world):
        return other_org_purchase(world)

    def marker(self, target):
        return f">{target.title}</a>"

    def test_the_requester_and_later_approvers_do_not_find_it_in_their_inbox(self):
        target = self.target(self.world)
        for actor in ("unit_manager", "ops_manager"):
            assert self.marker(target) not in self.text(actor, target), actor


class TestMinePage(PageListMatrix):
    url_name = "approvals:mine"
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"

    def target(self, world):
        return purchase(world, 250, title="我的冷柜配件")

    def other_org_target(self, world):
        return other_org_purchase(world)

    def marker(self, target):
        return f">{target.title}</a>"


class TestDetailPage(PageObjectMatrix):
    url_name = "approvals:detail"
    in_scope = "department_head"

    def url(self, world, target):
        return reverse("approvals:detail", args=[target.pk])

    def target(self, world):
        return purchase(world, 250)

    def other_org_target(self, world):
        return other_org_purchase(world)

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "部门负责人" in text and "运营经理" in text and "250.00" in text
        assert reverse("approvals:decide", args=[target.pk]) in text

    def test_who_may_not_decide_sees_no_decision_form(self):
        target = self.target(self.world)
        for actor in ("unit_manager", "ops_manager", "region_manager"):
            text = self.call(actor, target).content.decode()
            assert reverse("approvals:decide", args=[target.pk]) not in text, actor
            assert "冷柜维修配件" in text


class TestDecidePost(PageObjectMatrix):
    url_name = "approvals:decide"
    method = "post"
    success_status = 302
    in_scope = "department_head"
    refused = ("ops_manager", "unit_manager", "region_manager")

    def url(self, world, target):
        return reverse("approvals:decide", args=[target.pk])

    def data(self, world, target):
        return {"decision": "reject", "comment": "请补充报价"}

    def target(self, world):
        return ApprovalRequest.objects.filter(organization=world.org).first() or purchase(world, 250)

    def other_org_target(self, world):
        return other_org_purchase(world)

    def snapshot(self, world):
        other_org_purchase(world)
        return request_state(self.target(world))

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert target.status == "rejected"
        assert response["Location"] == reverse("approvals:inbox")


class TestCreatePage(PageObjectMatrix):
    url_name = "approvals:create"
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"

    def url(self, world, target):
        return reverse("approvals:create") + f"?kind=purchase&unit={target.pk}"

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "物料申购" in text and 'name="files"' in text and "multipart/form-data" in text


class TestCreatePost(TestCreatePage):
    method = "post"
    success_status = 302

    def data(self, world, target):
        return {"kind": "purchase", "unit": target.pk, "title": "冷柜维修配件", "amount": "250",
                "items": "继电器 x2", "reason": "冷柜温度偏高", "files": [png_file("报价单.png")]}

    def snapshot(self, world):
        return ApprovalRequest.objects.count(), Attachment.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        created = ApprovalRequest.objects.get(title="冷柜维修配件")
        assert response["Location"] == reverse("approvals:detail", args=[created.pk])
        assert created.detail == {"items": "继电器 x2", "reason": "冷柜温度偏高"}
        attachment = created.attachments.get()
        assert attachment.original_name == "报价单.png" and attachment.object_id == str(created.pk)
        assert list(created.steps.values_list("role", flat=True)) == ["department_head", "ops_manager"]


class TestAttachmentDownload(PageObjectMatrix):
    url_name = "approvals:attachment"
    in_scope = "department_head"  # an approver whose own subtree does not hold the file

    def url(self, world, target):
        return reverse("approvals:attachment", args=[target.pk, target.attachments.get().pk])

    def target(self, world):
        return purchase_with_attachment(world)

    def other_org_target(self, world):
        return purchase_with_attachment(world, other_org=True)

    def check_success(self, world, target, response):
        # An opaque PNG is stored re-encoded as JPEG (core.attachments).
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


# --- behaviour -------------------------------------------------------------------------------------
def test_the_kind_chooser_offers_the_three_request_forms(world, client):
    client.force_login(world.people["unit_manager"])
    text = client.get(reverse("approvals:create")).content.decode()
    for label in ("物料申购", "资产报损", "活动经费"):
        assert label in text


def test_an_activity_fund_request_keeps_its_own_fields(world, client):
    client.force_login(world.people["unit_manager"])
    response = client.post(reverse("approvals:create") + "?kind=activity_funds", {
        "kind": "activity_funds", "unit": world.units["store1"].pk, "title": "周年店庆", "amount": "1800",
        "activity": "周年店庆", "activity_date": "2026-12-12", "participants": "30", "purpose": "布置与礼品",
    })
    assert response.status_code == 302, response.content.decode()[:800]
    created = ApprovalRequest.objects.get(title="周年店庆")
    assert created.detail == {"activity": "周年店庆", "activity_date": "2026-12-12", "participants": 30,
                              "purpose": "布置与礼品"}
    assert list(created.steps.values_list("role", flat=True)) == ["department_head", "ops_manager", "executive"]
    text = client.get(reverse("approvals:detail", args=[created.pk])).content.decode()
    assert "活动名称" in text and "布置与礼品" in text
    assert '<dd class="amount">1,800.00</dd>' in text  # grouped as a finance office writes it
    assert "1,800.00" in client.get(reverse("approvals:mine")).content.decode()


def test_a_refused_request_shows_the_reason_on_the_form_and_saves_nothing(world, client):
    client.force_login(world.people["unit_manager"])
    before = ApprovalRequest.objects.count()
    response = client.post(reverse("approvals:create") + "?kind=asset_write_off", {
        "kind": "asset_write_off", "unit": world.units["store1"].pk, "title": "", "amount": "-3",
        "asset_name": "", "reason": "摔坏",
    })
    assert response.status_code == 422
    assert ApprovalRequest.objects.count() == before


def test_a_rejection_without_comment_shows_the_reason_and_changes_nothing(world, client):
    request = purchase(world, 250)
    client.force_login(world.people["department_head"])
    before = request_state(request)
    response = client.post(reverse("approvals:decide", args=[request.pk]), {"decision": "reject", "comment": ""},
                           follow=True)
    assert "驳回时必须填写意见" in response.content.decode()
    assert request_state(request) == before


def test_the_inbox_costs_a_fixed_number_of_queries(world, client):
    client.force_login(world.people["department_head"])
    counts = []
    for n in (2, 12):
        for i in range(n - ApprovalRequest.objects.count()):
            purchase(world, 250, title=f"单{n}-{i}")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("approvals:inbox"))
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
