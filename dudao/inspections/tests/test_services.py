"""Inspections and the visits they are made for: a visit is done only when its inspection is
submitted, in the submitting transaction; a draft leaves it planned and coverage unmet."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import AuditEvent
from dudao.inspections import services
from dudao.inspections.choices import InspectionStatus
from dudao.inspections.models import Inspection
from dudao.inspections.tests.factories import AT_STORE, check_items, make_template
from dudao.inspections.workflow import INSPECTION
from dudao.planning.choices import VisitStatus
from dudao.planning.coverage import plan_coverage
from dudao.planning.models import Visit
from dudao.planning.selectors import due_visits
from dudao.planning.tests.factories import add_visits, make_plan, monday, publish


def _visit_today(world):
    """A published plan of this week with store1 visited today by the supervisor (store2 visited too,
    so only store1 decides whether the weekly rule is met)."""
    today = timezone.localdate()
    plan = make_plan(world, start=monday(0))
    visits = add_visits(world, plan, [("store1", "supervisor", today), ("store2", "supervisor", today)])
    publish(world, plan)
    return plan, visits[0]


def _start(world, visit, template, **kwargs):
    inspection, created = services.inspection_create(
        actor=world.person("supervisor"), unit=world.unit("store1"), template=template, visit=visit,
        performed_at=timezone.now() - dt.timedelta(hours=1), **{**AT_STORE, **kwargs},
    )
    assert created
    return inspection


def _answer_all(world, inspection, template, value="pass"):
    services.answers_upsert(actor=world.person("supervisor"), inspection=inspection, answers=[
        {"item_code": item.code, "value": value} for item in template.items.all()])


def _store1_rule(plan, world):
    rule = plan_coverage(plan)[0]
    return rule, world.units["store1"].pk in rule.undone_unit_ids


def test_a_draft_inspection_on_a_visit_leaves_it_planned_and_coverage_unmet(world):
    plan, visit = _visit_today(world)
    template = make_template(world, check_items(2))
    inspection = _start(world, visit, template)
    _answer_all(world, inspection, template)

    assert inspection.visit_id == visit.pk and inspection.status == InspectionStatus.DRAFT
    visit.refresh_from_db()
    assert (visit.status, visit.done_at) == (VisitStatus.PLANNED, None)
    assert not AuditEvent.objects.filter(action="visit.done").exists()
    rule, store1_undone = _store1_rule(plan, world)
    assert rule.done == 0 and store1_undone
    # 应巡未巡 still lists it.
    assert visit in list(due_visits(plan, timezone.localdate()))


def test_submitting_the_inspection_marks_its_visit_done_in_the_same_transaction(world):
    plan, visit = _visit_today(world)
    template = make_template(world, check_items(2))
    inspection = _start(world, visit, template)
    _answer_all(world, inspection, template)

    services.inspection_submit(actor=world.person("supervisor"), inspection=inspection)

    inspection.refresh_from_db()
    visit.refresh_from_db()
    assert inspection.status == InspectionStatus.SUBMITTED
    assert (visit.status, visit.done_at) == (VisitStatus.DONE, inspection.performed_at)
    done = AuditEvent.objects.get(action="visit.done", object_id=str(visit.pk))
    assert done.after["inspection_id"] == inspection.pk and done.actor_id == world.people["supervisor"].pk
    submitted = AuditEvent.objects.get(action="inspection.submit", object_id=str(inspection.pk))
    assert submitted.before["status"] == "draft" and submitted.after["status"] == "submitted"
    rule, store1_undone = _store1_rule(plan, world)
    assert rule.done == 1 and not store1_undone
    assert visit not in list(due_visits(plan, timezone.localdate()))


def test_a_refused_submission_leaves_the_visit_planned(world):
    _plan, visit = _visit_today(world)
    template = make_template(world, check_items(2))
    inspection = _start(world, visit, template)
    services.answers_upsert(actor=world.person("supervisor"), inspection=inspection,
                            answers=[{"item_code": "I000", "value": "pass"}])  # I001 unanswered
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        services.inspection_submit(actor=world.person("supervisor"), inspection=inspection)
    assert refused.value.detail["missing"] == ["I001"]
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.DRAFT
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.PLANNED
    assert AuditEvent.objects.count() == events


def test_a_visit_cannot_be_marked_done_by_a_draft(world):
    from dudao.planning.services import visit_mark_done

    _plan, visit = _visit_today(world)
    inspection = _start(world, visit, make_template(world, check_items(1)))
    with pytest.raises(ApplicationError) as refused:
        visit_mark_done(inspection=inspection)
    assert refused.value.code == ErrorCode.INVALID_TRANSITION
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.PLANNED
    assert not AuditEvent.objects.filter(action="visit.done").exists()


def test_submit_and_acknowledge_follow_the_table_once_each(world):
    template = make_template(world, check_items(1))
    inspection, _ = services.inspection_create(actor=world.person("supervisor"), unit=world.unit("store1"),
                                               template=template, **AT_STORE)
    assert INSPECTION.editable(inspection) and INSPECTION.allowed(inspection, "submit")
    assert not INSPECTION.allowed(inspection, "acknowledge")
    with pytest.raises(ApplicationError) as refused:
        services.inspection_acknowledge(actor=world.person("unit_manager"), inspection=inspection)
    assert refused.value.code == ErrorCode.INVALID_TRANSITION
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.DRAFT

    _answer_all(world, inspection, template)
    services.inspection_submit(actor=world.person("supervisor"), inspection=inspection)
    before = AuditEvent.objects.filter(action="inspection.submit").count()
    with pytest.raises(ApplicationError) as refused:
        services.inspection_submit(actor=world.person("supervisor"), inspection=inspection)
    assert refused.value.code == ErrorCode.INVALID_TRANSITION
    assert AuditEvent.objects.filter(action="inspection.submit").count() == before

    signed = services.inspection_acknowledge(actor=world.person("unit_manager"), inspection=inspection,
                                             comment=" 已整改 ")
    assert (signed.status, signed.acknowledged_by_id, signed.acknowledgement_comment) == (
        InspectionStatus.ACKNOWLEDGED, world.people["unit_manager"].pk, "已整改")
    event = AuditEvent.objects.get(action="inspection.acknowledge", object_id=str(inspection.pk))
    assert event.before["status"] == "submitted" and event.after["status"] == "acknowledged"
    assert not INSPECTION.editable(signed) and not INSPECTION.available(signed)
