"""The appraisal data API over real HTTP: permission matrices, the cross-check in the list, targets."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.appraisal.models import KpiValue, Target
from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import API_PREFIX, ApiListMatrix, ApiObjectMatrix

from .factories import kpi_value, target


class TestKpiValueList(ApiListMatrix):
    route = "GET /api/v1/kpi-values"
    out_of_scope = "ops_manager"  # sees appraisal data, but of the operations center's subtree only

    def target(self, world):
        if getattr(self, "_value", None) is None:
            self._value = kpi_value(world)
        return self._value

    def other_org_target(self, world):
        return kpi_value(world, unit_key="b_branch", actor="b_admin")


class TestTargetList(ApiListMatrix):
    route = "GET /api/v1/targets"
    out_of_scope = "ops_manager"

    def target(self, world):
        if getattr(self, "_target", None) is None:
            self._target = target(world)
        return self._target

    def other_org_target(self, world):
        return target(world, unit_key="b_branch", actor="b_admin")


class TestTargetCreate(ApiObjectMatrix):
    route = "POST /api/v1/targets"
    success_status = 201
    out_of_scope = "ops_manager"
    refused = ("executive", "supervisor", "finance")

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def path(self, world, target):
        return "/targets"

    def payload(self, world, target):
        return {"unit_id": target.pk, "kpi_code": "satisfaction", "period": "2099-01", "value": "90"}

    def snapshot(self, world):
        return Target.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "active" and body["subject"]["code"] == "S1" and body["approval_id"] is None


def test_kpi_values_list_says_verified_and_discrepancy_and_links_the_finding(live_world, api_for):
    world = live_world
    kpi_value(world, value="100", source="POS")
    kpi_value(world, value="101", source="onsite")              # 0.99 %: verified
    kpi_value(world, value="120", source="财务")                 # 16.7 % from POS: a discrepancy
    kpi_value(world, unit_key="store2", value="50", source="POS")  # a single source: neither
    api = api_for(world.person("admin"))
    body = api.get(API_PREFIX + "/kpi-values?period=2026-01&kpi_code=satisfaction").json()
    assert body["count"] == 4
    rows = {(i["subject"]["code"], i["source"]): i for i in body["items"]}
    assert rows[("S1", "POS")]["verified"] is True and rows[("S1", "POS")]["discrepancy"] == "0.1667"
    assert rows[("S1", "POS")]["finding_id"] is not None
    assert rows[("S1", "onsite")]["verified"] is True
    assert rows[("S2", "POS")]["verified"] is False and rows[("S2", "POS")]["discrepancy"] is None
    only = api.get(API_PREFIX + f"/kpi-values?unit_id={world.units['store2'].pk}").json()
    assert [i["subject"]["code"] for i in only["items"]] == ["S2"]
    assert api.get(API_PREFIX + f"/kpi-values?unit_id={world.units['b_branch'].pk}").status_code == 404


@pytest.mark.django_db
def test_kpi_values_list_queries_are_pinned_and_do_not_grow_with_page_size(world, client):
    for n in range(6):
        kpi_value(world, value=str(90 + n), source=f"S{n}")
    client.force_login(world.person("admin"))

    def queries(limit):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(API_PREFIX + "/kpi-values", {"limit": limit})
        assert len(response.json()["items"]) == limit
        return len(ctx)

    queries(1)
    # the session and person, the page, its count, the other sources, the data checks, and framework reads
    assert queries(1) == queries(6) == 11


def test_a_target_after_its_period_started_answers_pending_with_the_approval(live_world, api_for):
    api = api_for(live_world.person("admin"))
    response = api.post(API_PREFIX + "/targets", json={"username": "supervisor", "kpi_code": "target_completion",
                                                       "period": "2026-01", "value": "420000"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending" and body["approval_id"]
    assert api.get(API_PREFIX + f"/approvals/{body['approval_id']}").json()["kind"] == "target_revision"


def test_bad_target_input_is_422_naming_the_field(live_world, api_for):
    api = api_for(live_world.person("admin"))
    for payload, field in (
        ({"username": "nobody", "kpi_code": "qsc", "period": "2099-01", "value": "1"}, "username"),
        ({"unit_id": live_world.units["store1"].pk, "kpi_code": "qsc", "period": "99", "value": "1"}, "period"),
        ({"unit_id": live_world.units["store1"].pk, "kpi_code": "x", "period": "2099-01", "value": "1"}, "kpi_code"),
    ):
        response = api.post(API_PREFIX + "/targets", json=payload)
        assert response.status_code == 422 and field in response.json()["detail"]["fields"], response.text
    assert not Target.objects.exists() and not KpiValue.objects.exists()
