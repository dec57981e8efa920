"""Plans: drafting, visits, submission through the approval engine, publication, visits done, 应巡未巡."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.approvals.choices import ApprovalStatus
from dudao.approvals.models import ApprovalRequest
from dudao.approvals.services import approval_decide
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import AuditEvent
from dudao.notifications.models import Notification
from dudao.planning import selectors, services
from dudao.planning.choices import PlanStatus, VisitStatus
from dudao.planning.models import Plan, Visit
from dudao.planning.tests.factories import (
    add_visits,
    inspection,
    make_plan,
    monday,
    publish,
    published_template,
)


def plan_state(plan):
    plan = Plan.objects.get(pk=plan.pk)
    return (plan.status, plan.approval_id, list(plan.visits.values_list("unit_id", "supervisor_id", "date", "status")),
            AuditEvent.objects.count(), ApprovalRequest.objects.count(), Notification.objects.count())


# --- drafting ------------------------------------------------------------------------------------
def test_a_supervisor_drafts_a_plan_for_their_region(world):
    plan = make_plan(world)
    assert plan.status == PlanStatus.DRAFT and plan.created_by_id == world.people["supervisor"].pk
    assert plan.methods == ["on_site"]
    assert AuditEvent.objects.filter(action="plan.create", object_id=str(plan.pk)).count() == 1


@pytest.mark.parametrize(("actor", "scope"), [
    ("supervisor", "west"), ("supervisor", "root"), ("unit_manager", "store1"), ("region_manager", "east"),
    ("executive", "root"), ("no_role", "east"),
])
def test_only_planners_whose_role_covers_the_scope_may_draft(world, actor, scope):
    before = (Plan.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as refused:
        make_plan(world, actor=actor, scope=scope)
    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert (Plan.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(("changes", "field"), [
    ({"kind": "decade"}, "kind"),
    ({"title": " "}, "title"),
    ({"end": dt.date(2020, 1, 1)}, "period_end"),
    ({"end": dt.date(2099, 1, 1)}, "period_end"),
    ({"methods": ["telepathy"]}, "methods"),
])
def test_bad_plans_are_refused_naming_the_field(world, changes, field):
    before = Plan.objects.count()
    with pytest.raises(ApplicationError) as refused:
        make_plan(world, **changes)
    assert field in refused.value.detail["fields"]
    assert Plan.objects.count() == before


# --- visits ----------------------------------------------------------------------------------------
def test_visits_are_added_with_their_standard_and_audited(world):
    plan = make_plan(world)
    template = published_template(world)
    visits = add_visits(world, plan, [("store1", "supervisor", plan.period_start),
                                      ("store2", "supervisor", plan.period_start + dt.timedelta(days=1), "surprise")],
                        template=template)
    assert [(v.unit_id, v.mode, v.template_id, v.status) for v in visits] == [
        (world.units["store1"].pk, "on_site", template.pk, "planned"),
        (world.units["store2"].pk, "surprise", template.pk, "planned")]
    assert AuditEvent.objects.filter(action="visit.create").count() == 2


@pytest.mark.parametrize(("row", "field"), [
    (("store3", "supervisor", 0), "0.unit_id"),           # outside the plan's scope
    (("store1", "supervisor", 9), "0.date"),              # outside the plan's period
    (("store1", "region_manager", 0), "0.supervisor_id"),  # may not inspect
    (("store1", "other_region_manager", 0), "0.supervisor_id"),
])
def test_bad_visits_are_refused_naming_row_and_field_and_nothing_is_saved(world, row, field):
    plan = make_plan(world)
    before = plan_state(plan)
    with pytest.raises(ApplicationError) as refused:
        add_visits(world, plan, [(row[0], row[1], plan.period_start + dt.timedelta(days=row[2]))])
    assert field in refused.value.detail["fields"]
    assert plan_state(plan) == before


def test_a_draft_standard_and_a_duplicate_visit_are_refused(world):
    from dudao.checklists.models import Template

    plan = make_plan(world)
    draft = Template.objects.create(organization=world.org, name="草稿标准", created_by=world.person("admin"))
    before = plan_state(plan)
    with pytest.raises(ApplicationError) as refused:
        add_visits(world, plan, [("store1", "supervisor", plan.period_start)], template=draft)
    assert "0.template_id" in refused.value.detail["fields"]
    with pytest.raises(ApplicationError) as refused:
        add_visits(world, plan, [("store1", "supervisor", plan.period_start)] * 2)
    assert "1.date" in refused.value.detail["fields"]
    assert plan_state(plan) == before


def test_a_visit_is_removed_from_a_draft_only(world):
    plan = make_plan(world)
    first, second = add_visits(world, plan, [("store1", "supervisor", plan.period_start),
                                             ("store2", "supervisor", plan.period_start)])
    services.plan_visit_remove(actor=world.person("supervisor"), visit=first)
    assert list(plan.visits.values_list("pk", flat=True)) == [second.pk]
    assert AuditEvent.objects.filter(action="visit.delete", object_id=str(first.pk)).exists()
    services.plan_submit(actor=world.person("supervisor"), plan=plan)
    before = plan_state(plan)
    with pytest.raises(ApplicationError) as refused:
        services.plan_visit_remove(actor=world.person("supervisor"), visit=second)
    assert refused.value.code == ErrorCode.INVALID_TRANSITION
    assert plan_state(plan) == before


# --- one plan per scope, kind and period ---------------------------------------------------------------
def test_a_second_plan_for_the_same_scope_kind_and_period_is_refused_naming_the_first(world):
    first = make_plan(world, title="华东区第一份周计划")
    before = (Plan.objects.count(), AuditEvent.objects.count())
    # The same week, and a week that overlaps it by four days.
    for start in (first.period_start, first.period_start + dt.timedelta(days=3)):
        with pytest.raises(ApplicationError) as refused:
            make_plan(world, start=start, title="重复的周计划")
        assert refused.value.code == ErrorCode.VALIDATION
        assert "华东区第一份周计划" in refused.value.message and str(first.pk) in refused.value.message
        assert "草稿" in refused.value.message  # its status
        assert "period_start" in refused.value.detail["fields"]
        existing = refused.value.detail["existing_plan"]
        assert (existing["id"], existing["title"], existing["status"]) == (first.pk, "华东区第一份周计划", "draft")
        assert existing["url"] == first.get_absolute_url()
        assert (Plan.objects.count(), AuditEvent.objects.count()) == before
    # Another period, kind or scope is another slot.
    make_plan(world, start=first.period_start + dt.timedelta(days=7), title="下周")
    make_plan(world, kind="month", end=first.period_start + dt.timedelta(days=27), title="月计划")
    make_plan(world, actor="admin", scope="root", title="全公司周计划")
    assert Plan.objects.count() == before[0] + 3


def test_a_rejected_plan_still_holds_its_slot(world):
    plan = make_plan(world)
    add_visits(world, plan, [("store1", "supervisor", plan.period_start)])
    plan = services.plan_submit(actor=world.person("supervisor"), plan=plan)
    approval_decide(actor=world.person("executive"), approval=ApprovalRequest.objects.get(pk=plan.approval_id),
                    decision="reject", comment="重做")
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.REJECTED
    count = Plan.objects.count()
    with pytest.raises(ApplicationError) as refused:
        make_plan(world, title="另起一份")
    assert refused.value.detail["existing_plan"] == {**refused.value.detail["existing_plan"], "id": plan.pk,
                                                     "status": "rejected"}
    assert Plan.objects.count() == count


def test_the_database_holds_one_plan_per_scope_kind_and_period(world):
    first = make_plan(world)
    for start, end in ((first.period_start, first.period_end + dt.timedelta(days=1)),
                       (first.period_start - dt.timedelta(days=1), first.period_end)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Plan.objects.create(organization=world.org, title="绕过服务", kind=first.kind, period_start=start,
                                period_end=end, scope_unit=first.scope_unit, created_by=first.created_by)
    assert Plan.objects.count() == 1


# --- submission and approval ----------------------------------------------------------------------------
def test_submitting_asks_the_executive_and_the_approval_publishes_the_plan(world):
    plan = make_plan(world)
    add_visits(world, plan, [("store1", "supervisor", plan.period_start)])
    plan = services.plan_submit(actor=world.person("supervisor"), plan=plan)
    assert plan.status == PlanStatus.SUBMITTED and plan.submitted_at is not None
    approval = ApprovalRequest.objects.get(pk=plan.approval_id)
    assert (approval.kind, approval.subject_type, approval.subject_id) == ("plan", "planning.plan", str(plan.pk))
    assert [s.role for s in approval.steps.all()] == ["executive"]
    # The approver sees which rules the plan breaks: store2 has no visit this week.
    assert approval.detail["broken_rules"] == ["store_weekly"] and approval.detail["visits"] == 1
    assert Notification.objects.filter(recipient=world.people["executive"], kind="approval.pending").exists()

    approval_decide(actor=world.person("executive"), approval=approval, decision="approve", comment="同意")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED and plan.published_at is not None
    publish_event = AuditEvent.objects.get(action="plan.publish", object_id=str(plan.pk))
    assert publish_event.actor_id == world.people["executive"].pk
    assert Notification.objects.filter(recipient=world.people["supervisor"], kind="plan.published").exists()
    assert list(selectors.week_visits(world.person("supervisor"), plan.period_start)) == list(plan.visits.all())


def test_a_rejected_plan_returns_to_the_planner_who_reworks_and_resubmits(world):
    plan = make_plan(world)
    add_visits(world, plan, [("store1", "supervisor", plan.period_start)])
    plan = services.plan_submit(actor=world.person("supervisor"), plan=plan)
    first_approval = plan.approval_id
    approval_decide(actor=world.person("executive"), approval=ApprovalRequest.objects.get(pk=first_approval),
                    decision="reject", comment="淮海路店本周也要巡")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REJECTED
    assert AuditEvent.objects.get(action="plan.reject").after["comment"] == "淮海路店本周也要巡"
    add_visits(world, plan, [("store2", "supervisor", plan.period_start + dt.timedelta(days=1))])
    plan = services.plan_submit(actor=world.person("supervisor"), plan=plan)
    assert plan.status == PlanStatus.SUBMITTED and plan.approval_id != first_approval
    assert ApprovalRequest.objects.get(pk=plan.approval_id).detail["broken_rules"] == []
    approval_decide(actor=world.person("executive"), approval=ApprovalRequest.objects.get(pk=plan.approval_id),
                    decision="approve")
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.PUBLISHED


def test_a_plan_is_submitted_once_and_never_empty(world):
    plan = make_plan(world)
    before = plan_state(plan)
    with pytest.raises(ApplicationError) as refused:
        services.plan_submit(actor=world.person("supervisor"), plan=plan)
    assert "visits" in refused.value.detail["fields"]
    assert plan_state(plan) == before
    add_visits(world, plan, [("store1", "supervisor", plan.period_start)])
    services.plan_submit(actor=world.person("supervisor"), plan=plan)
    before = plan_state(plan)
    with pytest.raises(ApplicationError) as refused:
        services.plan_submit(actor=world.person("supervisor"), plan=plan)
    assert refused.value.code == ErrorCode.INVALID_TRANSITION
    assert plan_state(plan) == before


def test_people_who_may_not_plan_there_cannot_submit_and_nothing_changes(world):
    plan = make_plan(world)
    add_visits(world, plan, [("store1", "supervisor", plan.period_start)])
    for actor in ("region_manager", "unit_manager", "other_region_manager", "executive", "b_admin"):
        before = plan_state(plan)
        with pytest.raises(ApplicationError) as refused:
            services.plan_submit(actor=world.person(actor), plan=plan)
        assert refused.value.code in {ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED}, actor
        assert plan_state(plan) == before


def test_a_stale_approval_does_not_touch_the_plan(world):
    from dudao.planning.services import plan_approval_outcome

    plan = make_plan(world)
    add_visits(world, plan, [("store1", "supervisor", plan.period_start)])
    plan = services.plan_submit(actor=world.person("supervisor"), plan=plan)
    other = ApprovalRequest(pk=plan.approval_id + 1000, organization=world.org, subject_id=str(plan.pk))
    plan_approval_outcome(other, "approved")
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED


# --- visits done and 应巡未巡 -----------------------------------------------------------------------
def test_an_inspection_marks_its_visit_done_once(world):
    plan = make_plan(world, start=monday(0))
    visit = add_visits(world, plan, [("store1", "supervisor", plan.period_start)])[0]
    publish(world, plan)
    performed = timezone.now() - dt.timedelta(hours=2)
    made = inspection(world, unit="store1", visit=visit, at=performed)
    done = services.visit_mark_done(visit=visit, inspection=made)
    assert (done.status, done.done_at) == (VisitStatus.DONE, performed)
    event = AuditEvent.objects.get(action="visit.done", object_id=str(visit.pk))
    assert event.actor_id == world.people["supervisor"].pk and event.after["inspection_id"] == made.pk
    # Again: nothing changes, nothing is audited twice.
    again = services.visit_mark_done(visit=visit, inspection=made)
    assert again.done_at == performed
    assert AuditEvent.objects.filter(action="visit.done").count() == 1


def test_an_inspection_of_another_unit_cannot_mark_the_visit(world):
    plan = make_plan(world)
    visit = add_visits(world, plan, [("store1", "supervisor", plan.period_start)])[0]
    made = inspection(world, unit="store2")
    with pytest.raises(ApplicationError) as refused:
        services.visit_mark_done(visit=visit, inspection=made)
    assert "visit_id" in refused.value.detail["fields"]
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.PLANNED


def test_due_lists_visits_due_and_not_done_as_of_a_date(world):
    start = monday(0)
    plan = make_plan(world, start=start)
    monday_visit, tuesday_visit, friday_visit = add_visits(world, plan, [
        ("store1", "supervisor", start), ("store2", "supervisor", start + dt.timedelta(days=1)),
        ("store1", "supervisor", start + dt.timedelta(days=4))])
    publish(world, plan)
    services.visit_mark_done(visit=monday_visit, inspection=inspection(world, unit="store1", visit=monday_visit))
    assert list(selectors.due_visits(plan, start)) == []
    assert list(selectors.due_visits(plan, start + dt.timedelta(days=1))) == [tuesday_visit]
    assert list(selectors.due_visits(plan, start + dt.timedelta(days=6))) == [tuesday_visit, friday_visit]


def test_surprise_visits_stay_hidden_from_the_unit_being_visited(world):
    plan = make_plan(world)
    add_visits(world, plan, [("store1", "supervisor", plan.period_start, "surprise"),
                             ("store2", "supervisor", plan.period_start)])
    publish(world, plan)
    end = plan.period_end
    assert selectors.calendar_visits(world.person("unit_manager"), plan.period_start, end).count() == 0
    assert selectors.calendar_visits(world.person("region_manager"), plan.period_start, end).count() == 2
    assert selectors.calendar_visits(world.person("other_region_manager"), plan.period_start, end).count() == 0


def test_the_approval_engine_knows_the_plan_handler(world):
    from dudao.approvals.registry import outcome_handler
    from dudao.planning.services import plan_approval_outcome

    assert outcome_handler("plan") is plan_approval_outcome
    assert ApprovalStatus.APPROVED == "approved"
