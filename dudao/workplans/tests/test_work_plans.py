"""Work plans: own plans only, periods from the policy, submit, and a summary refused until every
item not done has its reason (each named; nothing saved); API and page matrices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import (
    API_PREFIX,
    ApiListMatrix,
    ApiObjectMatrix,
    PageFormMatrix,
    PageObjectMatrix,
)
from dudao.notifications.models import Notification
from dudao.workplans import services
from dudao.workplans.models import WorkPlan, WorkPlanItem

MONDAY = dt.date(2025, 3, 5)  # a Wednesday: the plan starts on Monday the 3rd


def plan_of(world, owner="supervisor", submit=True) -> WorkPlan:
    found = WorkPlan.objects.filter(owner=world.people[owner]).first()
    if found is None:
        found = services.work_plan_create(actor=world.person(owner), period_kind="week", period_start=MONDAY,
                                          items=[{"title": "巡店 8 家"}, {"title": "复查南京西路店冷库"},
                                                 {"title": "带教新店长", "due_date": "2025-03-07"}])
        if submit:
            services.work_plan_submit(actor=world.person(owner), plan=found)
    return WorkPlan.objects.get(pk=found.pk)


def other_org_plan(world) -> WorkPlan:
    from dudao.org.services import role_grant
    from dudao.org.testing import make_person

    found = WorkPlan.objects.filter(organization=world.other_org).first()
    if found is None:
        person = make_person(world.other_org, "b_supervisor")
        role_grant(actor=world.person("b_admin"), person=person, role="supervisor", unit=world.unit("b_branch"))
        found = services.work_plan_create(actor=person, period_kind="week", period_start=MONDAY,
                                          items=[{"title": "网点检查"}])
    return found


def state():
    return (list(WorkPlan.objects.order_by("pk").values_list("status", "summary_note")),
            list(WorkPlanItem.objects.order_by("pk").values_list("done", "reason")), AuditEvent.objects.count())


@pytest.mark.django_db
def test_a_week_plan_is_submitted_and_its_summary_needs_a_reason_for_each_item_not_done(world):
    plan = plan_of(world, submit=False)
    assert (plan.period_start, plan.period_end) == (dt.date(2025, 3, 3), dt.date(2025, 3, 9))
    services.work_plan_submit(actor=world.person("supervisor"), plan=plan)
    assert Notification.objects.filter(kind="work_plan.submitted", recipient__username="ops_manager").exists()
    items = list(plan.items.all())
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.work_plan_summarise(actor=world.person("supervisor"), plan=plan, items=[
            {"id": items[0].pk, "done": True}, {"id": items[1].pk, "done": False, "reason": ""},
            {"id": items[2].pk, "done": False}])
    fields = refused.value.detail["fields"]
    assert set(fields) == {f"items.{items[1].pk}.reason", f"items.{items[2].pk}.reason"}
    assert "复查南京西路店冷库" in fields[f"items.{items[1].pk}.reason"][0]
    assert state() == before
    services.work_plan_summarise(actor=world.person("supervisor"), plan=plan, note="本周完成两项", items=[
        {"id": items[0].pk, "done": True}, {"id": items[1].pk, "done": False, "reason": "冷库维修延期，下周二复查"},
        {"id": items[2].pk, "done": True}])
    plan.refresh_from_db()
    assert plan.status == "summarised" and [i.done for i in plan.items.all()] == [True, False, True]


@pytest.mark.django_db
def test_a_draft_cannot_be_summarised_and_only_the_owner_writes(world):
    plan = plan_of(world, submit=False)
    with pytest.raises(ApplicationError) as refused:
        services.work_plan_summarise(actor=world.person("supervisor"), plan=plan, items=[])
    assert refused.value.code == ErrorCode.INVALID_TRANSITION
    with pytest.raises(ApplicationError) as denied:
        services.work_plan_submit(actor=world.person("ops_manager"), plan=plan)
    assert denied.value.code == ErrorCode.PERMISSION_DENIED


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "items", "field"), [
    ("quarter", [{"title": "x"}], "period_kind"),
    ("week", [], "items"),
    ("week", [{"title": " "}], "items.0.title"),
    ("week", [{"title": "x", "due_date": "3月7日"}], "items.0.due_date"),
])
def test_bad_plans_name_the_field_and_save_nothing(world, kind, items, field):
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.work_plan_create(actor=world.person("supervisor"), period_kind=kind, period_start=MONDAY, items=items)
    assert field in refused.value.detail["fields"]
    assert state() == before


class TestWorkPlanCreate(ApiObjectMatrix):
    route = "POST /api/v1/work-plans"
    success_status = 201
    in_scope = "supervisor"
    refused = ("staff", "finance", "unit_manager")

    def target(self, world):
        return None

    def other_org_target(self, world):
        return None

    def path(self, world, target):
        return "/work-plans"

    def payload(self, world, target):
        return {"period_kind": "month", "period_start": "2025-03-10", "items": [{"title": "完成华东区月度巡检"}]}

    def snapshot(self, world):
        return state()

    def test_out_of_scope_is_404(self):
        """A plan is always the caller's own: there is nobody else's scope to reach into."""

    def test_other_organization_is_404(self):
        """Likewise: the plan is made in the caller's organisation."""

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["period_start"], body["period_end"], body["status"]) == ("2025-03-01", "2025-03-31", "draft")


class TestWorkPlanList(ApiListMatrix):
    route = "GET /api/v1/work-plans"
    in_scope = "ops_manager"
    out_of_scope = "unit_manager"

    def target(self, world):
        return plan_of(world)

    def other_org_target(self, world):
        return other_org_plan(world)


class _PlanObject:
    in_scope = "supervisor"
    out_of_scope = "other_region_manager"

    def target(self, world):
        return plan_of(world)

    def other_org_target(self, world):
        return other_org_plan(world)

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()


class TestWorkPlanDetail(_PlanObject, ApiObjectMatrix):
    route = "GET /api/v1/work-plans/{plan_id}"

    def path(self, world, target):
        return f"/work-plans/{target.pk}"


class TestWorkPlanSubmit(_PlanObject, ApiObjectMatrix):
    route = "POST /api/v1/work-plans/{plan_id}/submit"
    refused = ("ops_manager",)  # reads it, but only its owner submits

    def target(self, world):
        return plan_of(world, submit=False)

    def path(self, world, target):
        return f"/work-plans/{target.pk}/submit"


class TestWorkPlanSummary(_PlanObject, ApiObjectMatrix):
    route = "PUT /api/v1/work-plans/{plan_id}/summary"
    refused = ("ops_manager",)

    def path(self, world, target):
        return f"/work-plans/{target.pk}/summary"

    def payload(self, world, target):
        return {"items": [{"id": item.pk, "done": True} for item in target.items.all()], "note": "全部完成"}


def test_the_api_names_each_undone_item_without_a_reason(live_world, api_for):
    world = live_world
    plan = plan_of(world)
    api = api_for(world.person("supervisor"))
    items = list(plan.items.all())
    response = api.put(API_PREFIX + f"/work-plans/{plan.pk}/summary", json={
        "items": [{"id": items[0].pk, "done": False}, {"id": items[1].pk, "done": True},
                  {"id": items[2].pk, "done": False, "reason": "客户改期"}]})
    assert response.status_code == 422
    assert set(response.json()["detail"]["fields"]) == {f"items.{items[0].pk}.reason"}


class TestPlanListPage(PageObjectMatrix):
    url_name = "workplans:plan-list"
    in_scope = "supervisor"

    def target(self, world):
        return plan_of(world)

    def other_org_target(self, world):
        return other_org_plan(world)

    def url(self, world, target):
        return reverse(self.url_name)

    def test_no_role_is_404(self):
        """Anyone may open the list; someone without a role sees no plan in it."""
        assert reverse("workplans:plan-detail", args=[self.target(self.world).pk]) not in (
            self.call("no_role", None).content.decode())

    def test_out_of_scope_is_404(self):
        assert reverse("workplans:plan-detail", args=[self.target(self.world).pk]) not in (
            self.call(self.out_of_scope, None).content.decode())

    def test_other_organization_is_404(self):
        assert reverse("workplans:plan-detail", args=[self.other_org_target(self.world).pk]) not in (
            self.call("supervisor", None).content.decode())


class TestPlanCreatePage(PageFormMatrix):
    url_name = "workplans:plan-create"
    in_scope = "supervisor"
    out_of_scope = "unit_manager"


class TestPlanDetailPage(_PlanObject, PageObjectMatrix):
    url_name = "workplans:plan-detail"

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])


class TestPlanSubmitPage(_PlanObject, PageObjectMatrix):
    url_name = "workplans:plan-submit"
    method = "post"
    success_status = 302

    def target(self, world):
        return plan_of(world, submit=False)

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])


@pytest.mark.django_db
def test_the_summary_page_shows_the_missing_reason_on_its_item(world, client):
    plan = plan_of(world)
    items = list(plan.items.all())
    client.force_login(world.person("supervisor"))
    response = client.post(reverse("workplans:plan-detail", args=[plan.pk]), {
        f"done-{items[0].pk}": "yes", f"done-{items[1].pk}": "no", f"done-{items[2].pk}": "yes"})
    assert response.status_code == 422
    assert "复查南京西路店冷库”未完成：请写明原因和措施" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "submitted"
