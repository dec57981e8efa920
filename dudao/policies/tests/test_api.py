"""`/api/v1/policy` over real HTTP: the document in force on a date with the history, and new
versions; refusals name each dotted key and save nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import ApiObjectMatrix
from dudao.policies import services
from dudao.policies.models import PolicyVersion
from dudao.policies.registry import policy_for

NON_ADMINS = ("executive", "supervisor", "region_manager", "unit_manager", "staff", "hr")


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def counts():
    return PolicyVersion.objects.count(), AuditEvent.objects.count()


class TestPolicyReadMatrix(ApiObjectMatrix):
    route = "GET /api/v1/policy"
    out_of_scope = "executive"
    refused = NON_ADMINS

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def path(self, world, target):
        return "/policy"

    def check_success(self, world, target, response):
        body = response.json()
        assert body["pack"] == "restaurant_chain" and body["effective_from"] is None
        assert body["document"]["findings"]["due_days"]["high"] == 3

    # The path names no organisation: each admin reads their own (see the test below).
    test_other_organization_is_404 = None

    def test_the_other_organizations_admin_reads_only_their_own(self):
        services.policy_version_create(actor=self.world.people["admin"], organization=self.world.org,
                                       effective_from=timezone.localdate(),
                                       overrides={"inspections": {"pass_mark": 87}})
        client = self.api_for(self.world.people["b_admin"])
        body = client.get("/api/v1/policy").json()
        assert body["pack"] == "bank_branches" and body["versions"] == []
        assert body["document"]["inspections"]["pass_mark"] == 80


class TestPolicyVersionCreateMatrix(ApiObjectMatrix):
    route = "POST /api/v1/policy/versions"
    out_of_scope = "executive"
    refused = NON_ADMINS
    success_status = 201

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def path(self, world, target):
        return "/policy/versions"

    def payload(self, world, target):
        return {"effective_from": days(1).isoformat(), "overrides": {"inspections": {"pass_mark": 85}}}

    def snapshot(self, world):
        return counts()

    def check_success(self, world, target, response):
        assert response.json()["effective_from"] == days(1).isoformat()
        assert policy_for(world.org, days(1)).inspections.pass_mark == 85

    test_other_organization_is_404 = None

    def test_the_other_organizations_admin_changes_only_their_own(self):
        client = self.api_for(self.world.people["b_admin"])
        response = client.post("/api/v1/policy/versions", json=self.payload(self.world, None))
        assert response.status_code == 201
        assert policy_for(self.world.other_org, days(1)).inspections.pass_mark == 85
        assert policy_for(self.world.org, days(1)).inspections.pass_mark == 80


@pytest.mark.django_db(transaction=True)
def test_reading_the_policy_on_a_date_with_its_history(live_world, api_for):
    admin = live_world.people["admin"]
    services.policy_version_create(actor=admin, organization=live_world.org, effective_from=days(0),
                                   overrides={"inspections": {"pass_mark": 85}}, note="提高合格线")
    services.policy_version_create(actor=admin, organization=live_world.org, effective_from=days(7),
                                   overrides={"findings": {"due_days": {"high": 2}}})
    client = api_for(admin)
    today = client.get("/api/v1/policy").json()
    assert today["effective_from"] == days(0).isoformat() and today["on"] == days(0).isoformat()
    assert today["document"]["inspections"]["pass_mark"] == 85
    assert today["document"]["findings"]["due_days"]["high"] == 3
    assert [(v["effective_from"], v["overrides"]) for v in today["versions"]] == [
        (days(0).isoformat(), {"inspections": {"pass_mark": 85}}),
        (days(7).isoformat(), {"findings": {"due_days": {"high": 2}}}),
    ]
    assert today["versions"][0]["created_by"] == admin.username and today["versions"][0]["note"] == "提高合格线"
    later = client.get("/api/v1/policy", params={"on": days(7).isoformat()}).json()
    assert later["effective_from"] == days(7).isoformat()
    assert later["document"]["findings"]["due_days"]["high"] == 2
    assert later["document"]["inspections"]["pass_mark"] == 80  # each version is the complete set of overrides
    before = client.get("/api/v1/policy", params={"on": days(-30).isoformat()}).json()
    assert before["effective_from"] is None and before["document"]["inspections"]["pass_mark"] == 80
    bad = client.get("/api/v1/policy", params={"on": "tomorrow"})
    assert bad.status_code == 422 and "on" in bad.json()["detail"]["fields"]


@pytest.mark.django_db(transaction=True)
def test_writing_a_version_then_reading_it_back(live_world, api_for):
    client = api_for(live_world.people["admin"])
    monday = days(7 - timezone.localdate().weekday())
    response = client.post("/api/v1/policy/versions", json={
        "effective_from": monday.isoformat(), "overrides": {"findings": {"due_days": {"high": 2}}}, "note": "周一起"})
    assert response.status_code == 201, response.text
    assert response.json()["overrides"] == {"findings": {"due_days": {"high": 2}}}
    assert policy_for(live_world.org, monday - dt.timedelta(days=1)).findings.due_days.high == 3
    assert policy_for(live_world.org, monday).findings.due_days.high == 2
    body = client.get("/api/v1/policy", params={"on": monday.isoformat()}).json()
    assert body["document"]["findings"]["due_days"]["high"] == 2
    assert AuditEvent.objects.filter(action="policy.override").count() == 1


@pytest.mark.django_db(transaction=True)
def test_unknown_keys_and_bad_values_are_422_naming_them_and_nothing_is_saved(live_world, api_for):
    client = api_for(live_world.people["admin"])
    before = counts()
    response = client.post("/api/v1/policy/versions", json={
        "effective_from": days(1).isoformat(),
        "overrides": {"findings": {"foo": 1, "due_days": {"critical": 0, "high": "soon"}},
                      "approvals": {"routes": {"purchase": [{"max_amount": 100, "roles": ["boss"]}]}}},
    })
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "policy_invalid"
    fields = body["detail"]["fields"]
    assert fields["findings.foo"] == ["未知的键"]
    assert fields["findings.due_days.critical"] == ["必须 >= 1"]
    assert fields["findings.due_days.high"] == ["必须是整数"]
    assert "approvals.routes.purchase.0.roles.0" in fields
    assert "findings.foo" in body["message"]
    assert counts() == before
    # the same call with good values is accepted
    ok = client.post("/api/v1/policy/versions", json={
        "effective_from": days(1).isoformat(), "overrides": {"findings": {"due_days": {"high": 2}}}})
    assert ok.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_a_past_date_is_refused_but_today_is_accepted(live_world, api_for):
    client = api_for(live_world.people["admin"])
    before = counts()
    past = client.post("/api/v1/policy/versions", json={
        "effective_from": days(-1).isoformat(), "overrides": {"inspections": {"pass_mark": 85}}})
    assert past.status_code == 422
    assert "effective_from" in past.json()["detail"]["fields"]
    missing = client.post("/api/v1/policy/versions", json={"overrides": {}})
    assert missing.status_code == 422 and "effective_from" in missing.json()["detail"]["fields"]
    assert counts() == before
    today = client.post("/api/v1/policy/versions", json={
        "effective_from": days(0).isoformat(), "overrides": {"inspections": {"pass_mark": 85}}})
    assert today.status_code == 201
    assert policy_for(live_world.org).inspections.pass_mark == 85


def test_the_read_query_count_is_pinned_and_does_not_grow_with_the_versions(client, world):
    client.force_login(world.people["admin"])
    admin = world.people["admin"]
    services.policy_version_create(actor=admin, organization=world.org, effective_from=days(1),
                                   overrides={"inspections": {"pass_mark": 81}})
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/policy").status_code == 200
    for n in range(2, 8):
        services.policy_version_create(actor=admin, organization=world.org, effective_from=days(n),
                                       overrides={"inspections": {"pass_mark": 80 + n}})
    with CaptureQueriesContext(connection) as many:
        body = client.get("/api/v1/policy").json()
    assert len(body["versions"]) == 7
    assert len(few) == len(many)
    # session, person, roles, organisation, versions, policy_for's version row; session savepoint/update/release
    assert len(many) == 9, [q["sql"] for q in many.captured_queries]
