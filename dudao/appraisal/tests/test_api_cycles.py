"""Appraisal cycles over real HTTP: the permission matrix of every route, the contract's fields, the
person reading their own appraisal and explanation, and refusals naming the field."""

from __future__ import annotations

import pytest

from dudao.appraisal import services
from dudao.appraisal.models import Appraisal, AppraisalCycle, ManualScore
from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import API_PREFIX, ApiListMatrix, ApiObjectMatrix

from .factories import kpi_value

PERIOD = "2025-01"


def cycle_of(world, role="supervisor", actor="admin", scope="root") -> AppraisalCycle:
    existing = AppraisalCycle.objects.filter(organization_id=world.person(actor).organization_id, role=role,
                                             period=PERIOD).first()
    return existing or services.cycle_create(actor=world.person(actor), role=role, period=PERIOD,
                                             scope_unit=world.unit(scope))


def other_org_cycle(world) -> AppraisalCycle:
    return cycle_of(world, role="unit_manager", actor="b_admin", scope="b_root")


def appraisal(world) -> Appraisal:
    return Appraisal.objects.get(cycle=cycle_of(world), person=world.people["supervisor"])


def other_org_appraisal(world) -> Appraisal:
    return other_org_cycle(world).appraisals.get()


def state(world):
    return (AppraisalCycle.objects.count(), list(Appraisal.objects.order_by("pk").values_list("score", "computed_at")),
            ManualScore.objects.count(), AuditEvent.objects.count())


class TestCycleCreate(ApiObjectMatrix):
    route = "POST /api/v1/appraisals/cycles"
    success_status = 201
    in_scope = "hr"
    out_of_scope = "ops_manager"  # runs cycles, but over the operations center only
    refused = ("executive", "finance", "supervisor")

    def target(self, world):
        return world.units["root"]

    def other_org_target(self, world):
        return world.units["b_root"]

    def path(self, world, target):
        return "/appraisals/cycles"

    def payload(self, world, target):
        return {"role": "unit_manager", "period": PERIOD, "scope_unit_id": target.pk}

    def snapshot(self, world):
        # Made before the first snapshot, so the snapshot sees only the call.
        self.target(world), self.other_org_target(world)
        return state(world)

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "open" and body["period"] == PERIOD and body["due_on"] == "2025-02-10"
        assert len(body["appraisal_ids"]) == 2


class TestCycleList(ApiListMatrix):
    route = "GET /api/v1/appraisals/cycles"
    out_of_scope = "ops_manager"

    def target(self, world):
        return cycle_of(world)

    def other_org_target(self, world):
        return other_org_cycle(world)


class TestCycleDetail(ApiObjectMatrix):
    route = "GET /api/v1/appraisals/cycles/{cycle_id}"
    in_scope = "finance"
    out_of_scope = "ops_manager"

    def target(self, world):
        return cycle_of(world)

    def other_org_target(self, world):
        return other_org_cycle(world)

    def path(self, world, target):
        return f"/appraisals/cycles/{target.pk}"

    def check_success(self, world, target, response):
        assert response.json()["appraisal_ids"] == [a.pk for a in target.appraisals.order_by("pk")]


class TestCycleCompute(ApiObjectMatrix):
    route = "POST /api/v1/appraisals/cycles/{cycle_id}/compute"
    in_scope = "hr"
    out_of_scope = "ops_manager"
    refused = ("executive", "finance", "supervisor")

    def target(self, world):
        return cycle_of(world)

    def other_org_target(self, world):
        return other_org_cycle(world)

    def path(self, world, target):
        return f"/appraisals/cycles/{target.pk}/compute"

    def snapshot(self, world):
        # Made before the first snapshot, so the snapshot sees only the call.
        self.target(world), self.other_org_target(world)
        return state(world)

    def check_success(self, world, target, response):
        assert AuditEvent.objects.filter(action="appraisal.compute").count() == 2


class TestAppraisalList(ApiListMatrix):
    route = "GET /api/v1/appraisals"
    out_of_scope = "ops_manager"

    def target(self, world):
        return appraisal(world)

    def other_org_target(self, world):
        return other_org_appraisal(world)


class TestAppraisalDetail(ApiObjectMatrix):
    route = "GET /api/v1/appraisals/{appraisal_id}"
    in_scope = "supervisor"  # the person reads their own
    out_of_scope = "ops_manager"

    def target(self, world):
        return appraisal(world)

    def other_org_target(self, world):
        return other_org_appraisal(world)

    def path(self, world, target):
        return f"/appraisals/{target.pk}"

    def check_success(self, world, target, response):
        body = response.json()
        assert body["person_id"] == world.people["supervisor"].pk and body["period"] == PERIOD
        assert {"code", "name", "weight", "source", "value", "score", "explanation"} <= set(body["kpis"][0])
        assert set(body["bonus"]) >= {"base", "factor", "prorated", "forfeited", "reasons", "amount"}


class TestAppraisalScores(ApiObjectMatrix):
    route = "PUT /api/v1/appraisals/{appraisal_id}/scores"
    in_scope = "hr"
    out_of_scope = "ops_manager"
    refused = ("supervisor", "executive", "finance")  # the person themself may not score

    def target(self, world):
        return appraisal(world)

    def other_org_target(self, world):
        return other_org_appraisal(world)

    def path(self, world, target):
        return f"/appraisals/{target.pk}/scores"

    def payload(self, world, target):
        return [{"kpi_code": "learning_growth", "score": "90", "note": "读完两本书"}]

    def snapshot(self, world):
        # Made before the first snapshot, so the snapshot sees only the call.
        self.target(world), self.other_org_target(world)
        return state(world)

    def check_success(self, world, target, response):
        item = next(k for k in response.json()["kpis"] if k["code"] == "learning_growth")
        assert item["score"] == "90" and "读完两本书" in item["explanation"]


class TestAppraisalCompute(ApiObjectMatrix):
    route = "POST /api/v1/appraisals/{appraisal_id}/compute"
    in_scope = "hr"
    out_of_scope = "ops_manager"
    refused = ("supervisor", "executive", "finance")

    def target(self, world):
        return appraisal(world)

    def other_org_target(self, world):
        return other_org_appraisal(world)

    def path(self, world, target):
        return f"/appraisals/{target.pk}/compute"

    def snapshot(self, world):
        # Made before the first snapshot, so the snapshot sees only the call.
        self.target(world), self.other_org_target(world)
        return state(world)


class TestAppraisalExplanation(ApiObjectMatrix):
    route = "GET /api/v1/appraisals/{appraisal_id}/explanation"
    in_scope = "supervisor"
    out_of_scope = "unit_manager"  # a colleague of the same region: not theirs to read

    def target(self, world):
        return appraisal(world)

    def other_org_target(self, world):
        return other_org_appraisal(world)

    def path(self, world, target):
        return f"/appraisals/{target.pk}/explanation"

    def check_success(self, world, target, response):
        assert response.headers["content-type"].startswith("text/plain")
        assert "考核说明" in response.text and "无数据" in response.text


def test_the_contract_shape_and_a_satisfaction_figure_through_the_api(live_world, api_for):
    world = live_world
    kpi_value(world, person=world.people["supervisor"], kpi_code="satisfaction", period=PERIOD, value="88",
              source="问卷")
    api = api_for(world.person("hr"))
    created = api.post(API_PREFIX + "/appraisals/cycles",
                       json={"role": "supervisor", "period": PERIOD, "scope_unit_id": world.units["root"].pk})
    assert created.status_code == 201, created.text
    body = api.get(API_PREFIX + f"/appraisals?cycle_id={created.json()['id']}").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["score"], item["rank"], item["status"]) == ("88.0", 1, "open")
    satisfaction = next(k for k in item["kpis"] if k["code"] == "satisfaction")
    assert (satisfaction["value"], satisfaction["score"], satisfaction["weight"]) == ("88", "88", "15")
    assert item["bonus"]["reasons"][-1].startswith("尚未导入本期奖金基数")
    mine = api_for(world.person("supervisor")).get(API_PREFIX + "/appraisals").json()
    assert [a["id"] for a in mine["items"]] == [item["id"]]


@pytest.mark.parametrize(("payload", "field"), [
    ({"role": "supervisor", "period": "2025-1x"}, "period"),
    ({"role": "chef", "period": PERIOD}, "role"),
])
def test_bad_cycle_requests_name_the_field(live_world, api_for, payload, field):
    world = live_world
    api = api_for(world.person("admin"))
    before = state(world)
    response = api.post(API_PREFIX + "/appraisals/cycles", json={**payload, "scope_unit_id": world.units["root"].pk})
    assert response.status_code == 422 and field in response.json()["detail"]["fields"], response.text
    assert state(world) == before


def test_a_manual_score_out_of_range_names_the_row_and_field(live_world, api_for):
    world = live_world
    target = appraisal(world)
    api = api_for(world.person("admin"))
    before = state(world)
    response = api.put(API_PREFIX + f"/appraisals/{target.pk}/scores",
                       json=[{"kpi_code": "learning_growth", "score": "120"}])
    assert response.status_code == 422 and "0.score" in response.json()["detail"]["fields"], response.text
    assert state(world) == before
