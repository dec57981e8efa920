"""The policy page: admins only (404 for everyone else), each sees their own organisation's policy."""

from __future__ import annotations

import datetime as dt
import json

from django.urls import reverse
from django.utils import timezone

from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import PageObjectMatrix
from dudao.policies import services
from dudao.policies.models import PolicyVersion
from dudao.policies.registry import policy_for

URL = "/policy/"
NON_ADMINS = ("executive", "ops_manager", "department_head", "supervisor", "region_manager",
              "unit_manager", "staff", "hr", "finance", "no_role", "b_unit_manager")


def _counts(world):
    return PolicyVersion.objects.count(), AuditEvent.objects.count()


class TestPolicyPageMatrix(PageObjectMatrix):
    """GET /policy/: the page has no object id; the organisation is the signed-in admin's own."""

    url_name = "policies:detail"
    out_of_scope = "ops_manager"
    refused = NON_ADMINS

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def url(self, world, target) -> str:
        return reverse(self.url_name)

    def snapshot(self, world):
        return _counts(world)

    def check_success(self, world, target, response) -> None:
        assert world.org.name in response.content.decode()

    # The URL names no organisation, so nobody can ask for another one's policy: instead the other
    # organisation's admin must see their own policy and nothing of this one's.
    test_other_organization_is_404 = None

    def test_other_organization_admin_sees_only_their_own_policy(self):
        services.policy_version_create(
            actor=self.world.people["admin"], organization=self.world.org,
            effective_from=timezone.localdate(), overrides={"inspections": {"pass_mark": 87}}, note="甲组织的修订",
        )
        response = self.call("b_admin", self.world.other_org)
        assert response.status_code == 200
        text = response.content.decode()
        assert self.world.other_org.name in text and "bank_branches" in text
        assert "每季度检查的网点数不低于网点总数的25%" in text
        assert self.world.org.name not in text and "甲组织的修订" not in text
        rows = {row.key: row for section in response.context["sections"] for row in section.rows}
        assert rows["inspections.pass_mark"].lines == ["80"] and not rows["inspections.pass_mark"].overridden
        assert response.context["versions"] == []


class TestPolicyOverrideMatrix(PageObjectMatrix):
    """POST /policy/: only admins may set overrides; everyone else gets 404 and nothing is saved."""

    url_name = "policies:detail"
    method = "post"
    out_of_scope = "ops_manager"
    refused = NON_ADMINS
    success_status = 302

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def url(self, world, target) -> str:
        return reverse(self.url_name)

    def data(self, world, target):
        return {"effective_from": timezone.localdate().isoformat(),
                "overrides": json.dumps({"inspections": {"pass_mark": 85}}), "note": "matrix"}

    def snapshot(self, world):
        return _counts(world)

    def check_success(self, world, target, response) -> None:
        assert response["Location"] == URL
        assert policy_for(world.org).inspections.pass_mark == 85

    test_other_organization_is_404 = None

    def test_other_organization_admin_changes_only_their_own_policy(self):
        response = self.call("b_admin", self.world.other_org)
        assert response.status_code == 302
        assert policy_for(self.world.other_org).inspections.pass_mark == 85
        assert policy_for(self.world.org).inspections.pass_mark == 80


def test_the_admin_sees_the_effective_values_with_labels(client, world):
    client.force_login(world.people["admin"])
    response = client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    for expected in ("restaurant_chain", "检查合格分", "inspections.pass_mark", "整改期限(天) · 严重",
                     "每家门店每周至少由其督导巡店一次", "部门负责人 → 运营经理 → 总经理", "制度包默认值"):
        assert expected in text, expected


def test_the_admin_saves_an_override_through_the_form(client, world):
    client.force_login(world.people["admin"])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(URL, {
        "effective_from": tomorrow.isoformat(),
        "overrides": json.dumps({"findings": {"due_days": {"medium": 5}}}),
        "note": "缩短一般问题整改期限",
    }, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    text = response.content.decode()
    assert "已保存制度版本" in text and "缩短一般问题整改期限" in text and "待生效" in text
    version = PolicyVersion.objects.get(organization=world.org)
    assert version.effective_from == tomorrow and version.created_by == world.people["admin"]
    assert AuditEvent.objects.filter(action="policy.override", object_id=str(version.pk)).exists()
    assert policy_for(world.org).findings.due_days.medium == 7
    assert policy_for(world.org, on=tomorrow).findings.due_days.medium == 5
    # the page can show the policy in force on a later date
    later = client.get(URL, {"on": tomorrow.isoformat()}).content.decode()
    assert "已覆盖" in later


def test_a_refused_override_is_shown_on_the_form_naming_the_key(client, world):
    client.force_login(world.people["admin"])
    before = _counts(world)
    response = client.post(URL, {
        "effective_from": timezone.localdate().isoformat(),
        "overrides": json.dumps({"findings": {"foo": 1, "due_days": {"critical": 0}}}),
    })
    assert response.status_code == 422
    errors = response.context["form"].errors["overrides"]
    assert "findings.foo: 未知的键" in errors
    assert "findings.due_days.critical: 必须 &gt;= 1" in response.content.decode()
    assert _counts(world) == before


def test_a_past_date_and_bad_json_are_shown_on_their_fields(client, world):
    client.force_login(world.people["admin"])
    before = _counts(world)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(URL, {"effective_from": yesterday.isoformat(), "overrides": "{}"})
    assert response.status_code == 422
    assert response.context["form"].errors["effective_from"]
    response = client.post(URL, {"effective_from": timezone.localdate().isoformat(), "overrides": "{oops"})
    assert response.status_code == 422
    assert "不是有效的 JSON" in response.context["form"].errors["overrides"][0]
    assert _counts(world) == before


def test_a_bad_date_to_view_falls_back_to_today(client, world):
    client.force_login(world.people["admin"])
    response = client.get(URL, {"on": "tomorrow"})
    assert response.status_code == 200
    assert "YYYY-MM-DD" in response.content.decode()


def test_the_form_starts_from_the_latest_overrides(client, world):
    services.policy_version_create(
        actor=world.people["admin"], organization=world.org, effective_from=timezone.localdate(),
        overrides={"bulletins": {"unread_reminder_days": 5}},
    )
    client.force_login(world.people["admin"])
    initial = client.get(URL).context["form"].initial["overrides"]
    assert json.loads(initial) == {"bulletins": {"unread_reminder_days": 5}}
