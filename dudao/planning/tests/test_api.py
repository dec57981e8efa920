"""Plans over the API: paths and fields exactly as DESIGN.md section 5 gives, scope, refusals."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.approvals.models import ApprovalRequest
from dudao.core.models import AuditEvent
from dudao.core.testing import ApiListMatrix, ApiObjectMatrix
from dudao.planning.models import Plan, Visit
from dudao.planning.tests.factories import add_visits, make_plan, monday, publish, published_template


def east_plan(world):
    return Plan.objects.filter(organization=world.org, title="华东区周计划").first() or make_plan(world)


def other_plan(world):
    return Plan.objects.filter(organization=world.other_org).first() or make_plan(
        world, actor="b_admin", scope="b_root", title="乙计划")


def plan_state(world):
    return (list(Plan.objects.order_by("pk").values_list("pk", "status", "approval_id")),
            list(Visit.objects.order_by("pk").values_list("pk", "date", "status")),
            AuditEvent.objects.count(), ApprovalRequest.objects.count())


class _PlanMatrix(ApiObjectMatrix):
    in_scope = "supervisor"

    def target(self, world):
        return east_plan(world)

    def other_org_target(self, world):
        return other_plan(world)

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return plan_state(world)


class TestPlanCreateMatrix(ApiObjectMatrix):
    route = "POST /api/v1/plans"
    success_status = 201
    in_scope = "supervisor"
    refused = ("region_manager", "executive", "unit_manager")

    def path(self, world, target):
        return "/plans"

    def target(self, world):
        return world.units["east"]

    def other_org_target(self, world):
        return world.units["b_root"]

    def payload(self, world, target):
        start = monday()
        return {"title": "华东区下周计划", "kind": "week", "period_start": start.isoformat(),
                "period_end": (start + dt.timedelta(days=6)).isoformat(), "scope_unit_id": target.pk,
                "focus": "冷链", "methods": ["on_site", "surprise"]}

    def snapshot(self, world):
        return plan_state(world)

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "draft" and body["scope_unit_id"] == target.pk
        assert body["methods"] == ["on_site", "surprise"] and body["kind"] == "week"
        assert Plan.objects.get(pk=body["id"]).created_by_id == world.people["supervisor"].pk


class TestPlanListMatrix(ApiListMatrix):
    route = "GET /api/v1/plans"
    in_scope = "region_manager"

    def target(self, world):
        return east_plan(world)

    def other_org_target(self, world):
        return other_plan(world)


class TestPlanGetMatrix(_PlanMatrix):
    route = "GET /api/v1/plans/{plan_id}"
    in_scope = "region_manager"

    def path(self, world, target):
        return f"/plans/{target.pk}"

    def check_success(self, world, target, response):
        assert response.json()["title"] == "华东区周计划" and response.json()["scope_unit_name"] == "华东区"


class TestVisitsAddMatrix(_PlanMatrix):
    route = "POST /api/v1/plans/{plan_id}/visits"
    success_status = 201
    refused = ("region_manager", "executive")

    def path(self, world, target):
        return f"/plans/{target.pk}/visits"

    def payload(self, world, target):
        template = published_template(world)
        return [{"unit_id": world.units["store1"].pk, "supervisor_id": world.people["supervisor"].pk,
                 "date": target.period_start.isoformat(), "template_id": template.pk, "mode": "on_site"},
                {"unit_id": world.units["store2"].pk, "supervisor_id": world.people["supervisor"].pk,
                 "date": (target.period_start + dt.timedelta(days=1)).isoformat()}]

    def check_success(self, world, target, response):
        body = response.json()
        assert [(v["unit_id"], v["status"], v["mode"]) for v in body] == [
            (world.units["store1"].pk, "planned", "on_site"), (world.units["store2"].pk, "planned", "on_site")]
        assert body[0]["template_name"] == "门店营运标准检查表" and body[1]["template_id"] is None


class TestVisitListMatrix(_PlanMatrix):
    route = "GET /api/v1/plans/{plan_id}/visits"
    in_scope = "region_manager"

    def target(self, world):
        plan = east_plan(world)
        if not plan.visits.exists():
            add_visits(world, plan, [("store1", "supervisor", plan.period_start)])
        return plan

    def path(self, world, target):
        return f"/plans/{target.pk}/visits"

    def check_success(self, world, target, response):
        body = response.json()
        assert body["count"] == 1 and body["items"][0]["unit_name"] == "南京西路店"


class TestVisitDeleteMatrix(ApiObjectMatrix):
    route = "DELETE /api/v1/plans/{plan_id}/visits/{visit_id}"
    success_status = 204
    in_scope = "supervisor"
    refused = ("region_manager", "executive")

    def path(self, world, target):
        return f"/plans/{target.plan_id}/visits/{target.pk}"

    def target(self, world):
        plan = east_plan(world)
        return plan.visits.first() or add_visits(world, plan, [("store1", "supervisor", plan.period_start)])[0]

    def other_org_target(self, world):
        plan = other_plan(world)
        return plan.visits.first() or add_visits(
            world, plan, [("b_branch", "b_admin", plan.period_start)], actor="b_admin")[0]

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return plan_state(world)

    def check_success(self, world, target, response):
        assert not Visit.objects.filter(pk=target.pk).exists()


class TestProposeMatrix(_PlanMatrix):
    route = "POST /api/v1/plans/{plan_id}/propose"
    refused = ("region_manager", "executive")

    def path(self, world, target):
        return f"/plans/{target.pk}/propose"

    def payload(self, world, target):
        return {"supervisor_ids": [world.people["supervisor"].pk], "template_id": published_template(world).pk}

    def check_success(self, world, target, response):
        body = response.json()
        proposed = sorted(v["unit_id"] for v in body["visits"])
        assert proposed == sorted([world.units["store1"].pk, world.units["store2"].pk])
        assert body["coverage"]["satisfied"] is True and body["problems"] == []
        assert all(v["template_id"] == published_template(world).pk and v["reasons"] for v in body["visits"])
        assert not target.visits.exists()  # a proposal saves nothing


class TestCoverageMatrix(_PlanMatrix):
    route = "GET /api/v1/plans/{plan_id}/coverage"
    in_scope = "region_manager"

    def path(self, world, target):
        return f"/plans/{target.pk}/coverage"

    def check_success(self, world, target, response):
        (rule,) = response.json()["rules"]
        assert {k: rule[k] for k in ("code", "required", "planned", "done", "satisfied")} == {
            "code": "store_weekly", "required": 2, "planned": 0, "done": 0, "satisfied": False}
        assert sorted(rule["missing_unit_ids"]) == sorted([world.units["store1"].pk, world.units["store2"].pk])
        assert rule["description"] == "每家门店每周至少由其督导巡店一次"


class TestDueMatrix(_PlanMatrix):
    route = "GET /api/v1/plans/{plan_id}/due"
    in_scope = "region_manager"

    def target(self, world):
        plan = Plan.objects.filter(organization=world.org, title="本周计划").first()
        if plan is None:
            plan = make_plan(world, start=monday(0), title="本周计划")
            add_visits(world, plan, [("store1", "supervisor", plan.period_start),
                                     ("store2", "supervisor", plan.period_end)])
            plan = publish(world, plan)
        return plan

    def path(self, world, target):
        return f"/plans/{target.pk}/due?as_of={(target.period_start + dt.timedelta(days=2)).isoformat()}"

    def check_success(self, world, target, response):
        body = response.json()
        assert body["count"] == 1
        assert body["items"][0]["unit_id"] == world.units["store1"].pk and body["items"][0]["days_overdue"] == 2


class TestSubmitMatrix(_PlanMatrix):
    route = "POST /api/v1/plans/{plan_id}/submit"
    refused = ("region_manager", "executive")

    def target(self, world):
        plan = east_plan(world)
        if not plan.visits.exists():
            add_visits(world, plan, [("store1", "supervisor", plan.period_start)])
        return plan

    def path(self, world, target):
        return f"/plans/{target.pk}/submit"

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "submitted" and body["id"] == target.pk
        approval = ApprovalRequest.objects.get(pk=body["approval_id"])
        assert approval.kind == "plan" and approval.status == "pending"


# --- behaviour -------------------------------------------------------------------------------------
def test_draft_propose_save_submit_approve_over_the_api(live_world, api_for):
    world = live_world
    supervisor, gm = api_for(world.people["supervisor"]), api_for(world.people["executive"])
    start = monday()
    created = supervisor.post("/api/v1/plans", json={
        "title": "下周计划", "kind": "week", "period_start": start.isoformat(),
        "period_end": (start + dt.timedelta(days=6)).isoformat(), "scope_unit_id": world.units["east"].pk,
        "focus": "", "methods": ["on_site"]})
    assert created.status_code == 201 and created.json()["status"] == "draft"
    plan_id = created.json()["id"]
    proposal = supervisor.post(f"/api/v1/plans/{plan_id}/propose", json={}).json()
    rows = [{k: v[k] for k in ("unit_id", "supervisor_id", "date", "template_id", "mode")}
            for v in proposal["visits"]]
    assert supervisor.post(f"/api/v1/plans/{plan_id}/visits", json=rows).status_code == 201
    coverage = supervisor.get(f"/api/v1/plans/{plan_id}/coverage").json()
    assert coverage["rules"][0]["satisfied"] is True and coverage["rules"][0]["missing_unit_ids"] == []
    submitted = supervisor.post(f"/api/v1/plans/{plan_id}/submit").json()
    assert submitted["status"] == "submitted"
    inbox = gm.get("/api/v1/approvals", params={"pending_for_me": "true"}).json()
    assert [item["id"] for item in inbox["items"]] == [submitted["approval_id"]]
    assert inbox["items"][0]["kind"] == "plan"
    decided = gm.post(f"/api/v1/approvals/{submitted['approval_id']}/decide", json={"decision": "approve"})
    assert decided.json()["status"] == "approved"
    assert supervisor.get(f"/api/v1/plans/{plan_id}").json()["status"] == "published"


def test_visits_naming_things_out_of_sight_are_404_and_bad_rows_422(live_world, api_for):
    world = live_world
    plan = make_plan(world)
    client = api_for(world.people["supervisor"])
    before = plan_state(world)
    row = {"unit_id": world.units["store1"].pk, "supervisor_id": world.people["supervisor"].pk,
           "date": plan.period_start.isoformat()}
    response = client.post(f"/api/v1/plans/{plan.pk}/visits", json=[row, {**row, "unit_id": world.units["b_branch"].pk}])
    assert response.status_code == 404 and "1.unit_id" in response.json()["detail"]["fields"]
    response = client.post(f"/api/v1/plans/{plan.pk}/visits", json=[{**row, "date": "2001-01-01"}])
    assert response.status_code == 422 and "0.date" in response.json()["detail"]["fields"]
    response = client.post(f"/api/v1/plans/{plan.pk}/visits", json=[{**row, "mode": "teleport"}])
    assert response.status_code == 422
    assert plan_state(world) == before


def test_a_submitted_plan_cannot_be_proposed_or_changed(live_world, api_for):
    world = live_world
    plan = make_plan(world)
    add_visits(world, plan, [("store1", "supervisor", plan.period_start)])
    client = api_for(world.people["supervisor"])
    assert client.post(f"/api/v1/plans/{plan.pk}/submit").status_code == 200
    before = plan_state(world)
    assert client.post(f"/api/v1/plans/{plan.pk}/propose", json={}).status_code == 409
    response = client.post(f"/api/v1/plans/{plan.pk}/visits", json=[{
        "unit_id": world.units["store2"].pk, "supervisor_id": world.people["supervisor"].pk,
        "date": plan.period_start.isoformat()}])
    assert response.status_code == 409
    assert client.post(f"/api/v1/plans/{plan.pk}/submit").status_code == 409
    assert plan_state(world) == before


def test_a_second_plan_for_the_slot_is_422_naming_the_first(live_world, api_for):
    api = api_for(live_world.person("supervisor"))
    start = monday()
    payload = {"title": "华东区下周计划", "kind": "week", "period_start": start.isoformat(),
               "period_end": (start + dt.timedelta(days=6)).isoformat(), "scope_unit_id": live_world.units["east"].pk}
    first = api.post("/api/v1/plans", json=payload)
    assert first.status_code == 201
    second = api.post("/api/v1/plans", json={**payload, "title": "又一份"})
    assert second.status_code == 422
    body = second.json()
    assert body["code"] == "validation_error" and "华东区下周计划" in body["message"]
    assert body["detail"]["existing_plan"]["id"] == first.json()["id"]
    assert Plan.objects.filter(title="又一份").count() == 0


def test_lists_cost_a_fixed_number_of_queries(world, client):
    plan = make_plan(world)
    for n in range(7):
        make_plan(world, title=f"计划{n}", start=monday(2 + n))
    add_visits(world, plan, [(key, "supervisor", plan.period_start + dt.timedelta(days=day))
                             for key in ("store1", "store2") for day in range(4)])
    client.force_login(world.people["supervisor"])
    counts = []
    for limit in (2, 8):
        with CaptureQueriesContext(connection) as plans_ctx:
            assert len(client.get(f"/api/v1/plans?limit={limit}").json()["items"]) == limit
        with CaptureQueriesContext(connection) as visits_ctx:
            assert len(client.get(f"/api/v1/plans/{plan.pk}/visits?limit={limit}").json()["items"]) == limit
        counts.append((len(plans_ctx.captured_queries), len(visits_ctx.captured_queries)))
    assert counts[0] == counts[1], counts
