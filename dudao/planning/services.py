"""Supervision plans: drafting, visits, submission for approval, publication, visits done."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.checklists.choices import TemplateStatus
from dudao.core.access import get_for_actor
from dudao.core.audit import record_event, record_events, snapshot
from dudao.core.errors import (
    ApplicationError,
    ErrorCode,
    full_clean_or_refuse,
    require_permission,
    validation_error,
)
from dudao.notifications.services import notify
from dudao.org.choices import ORG_WIDE_ROLES
from dudao.org.models import RoleAssignment

from .choices import PlanKind, PlanStatus, VisitMode, VisitStatus
from .coverage import plan_coverage
from .models import PLANNERS, Plan, Visit
from .permissions import can_create_plan, can_edit_plan
from .workflow import plan_transition, visit_transition

PLAN_AUDIT_FIELDS = ["title", "kind", "period_start", "period_end", "scope_unit", "focus", "methods", "status",
                     "approval_id", "submitted_at", "published_at"]
VISIT_AUDIT_FIELDS = ["plan", "unit", "supervisor", "date", "template", "mode", "status", "done_at"]
MAX_PLAN_DAYS = 366
MAX_VISITS_PER_CALL = 2000


def _methods(methods) -> list[str]:
    methods = list(dict.fromkeys(methods or []))
    for method in methods:
        if method not in VisitMode.values:
            raise validation_error("methods", _("未知的督导方式:%(method)s") % {"method": method})
    return methods


# --- plans -------------------------------------------------------------------------------------
@transaction.atomic
def plan_create(
    *, actor, title: str, kind: str, period_start: dt.date, period_end: dt.date, scope_unit, focus: str = "",
    methods: Sequence[str] = (),
) -> Plan:
    """A draft plan for `scope_unit`'s subtree over [period_start, period_end]."""
    require_permission(can_create_plan(actor, scope_unit))
    if kind not in PlanKind.values:
        raise validation_error("kind", _("计划类型必须是年度、季度、月度或周"))
    if period_end < period_start:
        raise validation_error("period_end", _("结束日期不能早于开始日期"))
    if (period_end - period_start).days + 1 > MAX_PLAN_DAYS:
        raise validation_error("period_end", _("计划期间不能超过一年"))
    plan = Plan(
        organization_id=actor.organization_id, title=(title or "").strip(), kind=kind, period_start=period_start,
        period_end=period_end, scope_unit=scope_unit, focus=(focus or "").strip(), methods=_methods(methods),
        status=PlanStatus.DRAFT, created_by=actor,
    )
    if not plan.title:
        raise validation_error("title", _("必须填写标题"))
    full_clean_or_refuse(plan)
    plan.save()
    record_event(actor=actor, action="plan.create", obj=plan, after=snapshot(plan, PLAN_AUDIT_FIELDS))
    get_for_actor(Plan, actor, plan.pk, action="manage")
    return plan


def _locked_editable(actor, plan) -> Plan:
    plan = get_for_actor(Plan.objects.select_related("scope_unit"), actor, plan.pk, action="manage", for_update=True)
    if plan.status not in {PlanStatus.DRAFT, PlanStatus.REJECTED}:
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION, _("计划已提交或已发布,不能再修改走访"),
            {"status": plan.status, "action": "edit"},
        )
    require_permission(can_edit_plan(actor, plan))
    return plan


@dataclass(frozen=True)
class VisitInput:
    unit: object
    supervisor: object
    date: dt.date
    template: object | None = None
    mode: str = VisitMode.ON_SITE


def _visitors(organization_id: int, people) -> dict[int, list[tuple[str, str]]]:
    """For each person, the (role, unit path) of their planner roles: who may make a visit where."""
    visitors: dict[int, list[tuple[str, str]]] = {p.pk: [] for p in people}
    for person_id, role, path in RoleAssignment.objects.filter(
        organization_id=organization_id, person_id__in=list(visitors), role__in=PLANNERS
    ).values_list("person_id", "role", "unit__path"):
        visitors[person_id].append((role, path))
    return visitors


@transaction.atomic
def plan_visits_add(*, actor, plan: Plan, visits: Sequence[VisitInput]) -> list[Visit]:
    """Add visits to a draft plan. Each is refused (naming its row and field) unless the unit lies in
    the plan's scope, the date in its period, the visitor may inspect the unit, the standard is
    published, and the same visitor has not already got that unit on that day."""
    plan = _locked_editable(actor, plan)
    if not visits:
        raise validation_error("visits", _("至少添加一次走访"))
    if len(visits) > MAX_VISITS_PER_CALL:
        raise validation_error("visits", _("一次最多添加 %(n)s 次走访") % {"n": MAX_VISITS_PER_CALL})
    visitors = _visitors(plan.organization_id, {v.supervisor.pk: v.supervisor for v in visits}.values())
    taken = set(plan.visits.values_list("unit_id", "supervisor_id", "date"))
    rows = []
    for index, item in enumerate(visits):
        unit, person, template = item.unit, item.supervisor, item.template
        for obj in (unit, person, template):
            if obj is not None and obj.organization_id != plan.organization_id:
                raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
        if not unit.path.startswith(plan.scope_unit.path) or not unit.is_active:
            raise validation_error(f"{index}.unit_id", _("%(unit)s 不在计划范围(%(scope)s)内") % {
                "unit": unit.name, "scope": plan.scope_unit.name})
        if not plan.period_start <= item.date <= plan.period_end:
            raise validation_error(f"{index}.date", _("日期必须在计划期间 %(start)s 至 %(end)s 内") % {
                "start": plan.period_start.isoformat(), "end": plan.period_end.isoformat()})
        if not person.is_active or not any(
            role in ORG_WIDE_ROLES or unit.path.startswith(path) for role, path in visitors[person.pk]
        ):
            raise validation_error(f"{index}.supervisor_id", _("%(person)s 没有负责 %(unit)s 的督导权限") % {
                "person": person.display_name, "unit": unit.name})
        if template is not None and template.status != TemplateStatus.PUBLISHED:
            raise validation_error(f"{index}.template_id", _("只能选择已发布的检查标准"))
        if item.mode not in VisitMode.values:
            raise validation_error(f"{index}.mode", _("未知的督导方式:%(mode)s") % {"mode": item.mode})
        key = (unit.pk, person.pk, item.date)
        if key in taken:
            raise validation_error(f"{index}.date", _("%(person)s 在 %(date)s 已安排 %(unit)s") % {
                "person": person.display_name, "date": item.date.isoformat(), "unit": unit.name})
        taken.add(key)
        visit = Visit(
            organization_id=plan.organization_id, plan=plan, unit=unit, supervisor=person, date=item.date,
            template=template, mode=item.mode, status=VisitStatus.PLANNED,
        )
        full_clean_or_refuse(visit, exclude=["plan", "unit", "supervisor", "template"])
        rows.append(visit)
    created = Visit.objects.bulk_create(rows)
    if any(v.pk is None for v in created):  # a database that cannot return ids from a bulk insert
        keys = {(v.unit_id, v.supervisor_id, v.date) for v in rows}
        created = [v for v in plan.visits.order_by("id") if (v.unit_id, v.supervisor_id, v.date) in keys]
    record_events(actor=actor, action="visit.create", objects=created,
                  after=[snapshot(v, VISIT_AUDIT_FIELDS) for v in created])
    return created


@transaction.atomic
def plan_visit_remove(*, actor, visit: Visit) -> None:
    """Take a visit out of a draft plan."""
    plan = _locked_editable(actor, visit.plan)
    visit = Visit.objects.select_for_update().get(pk=visit.pk, plan=plan)
    record_event(actor=actor, action="visit.delete", obj=visit, before=snapshot(visit, VISIT_AUDIT_FIELDS))
    visit.delete()


@transaction.atomic
def plan_submit(*, actor, plan: Plan, now: dt.datetime | None = None) -> Plan:
    """Send a draft plan for approval: an approval request of kind "plan" routed by policy.

    The request carries what the approver needs to judge: the number of visits and every coverage
    rule the plan breaks. The last approval publishes the plan (see `plan_approval_outcome`).
    """
    from dudao.approvals.services import approval_request_create

    plan = _locked_editable(actor, plan)
    before = snapshot(plan, PLAN_AUDIT_FIELDS)
    visit_count = plan.visits.exclude(status=VisitStatus.CANCELLED).count()
    if not visit_count:
        raise validation_error("visits", _("计划中还没有走访,不能提交"))
    now = now or timezone.now()
    plan.status = plan_transition(plan, "submit")
    broken = [rule for rule in plan_coverage(plan) if not rule.satisfied]
    approval = approval_request_create(
        actor=actor, kind="plan", title=plan.title, unit=plan.scope_unit, subject=plan, now=now,
        detail={
            "plan_id": plan.pk, "period": f"{plan.period_start.isoformat()} ~ {plan.period_end.isoformat()}",
            "visits": visit_count, "broken_rules": [rule.code for rule in broken],
            "problems": [problem for rule in broken for problem in rule.problems],
        },
    )
    plan.approval_id, plan.submitted_at = approval.pk, now
    plan.save(update_fields=["status", "approval_id", "submitted_at"])
    record_event(actor=actor, action="plan.submit", obj=plan, before=before, after=snapshot(plan, PLAN_AUDIT_FIELDS))
    return plan


def plan_approval_outcome(request, outcome: str) -> None:
    """The approval engine's handler for kind "plan" (registered in PlanningConfig.ready()).

    Runs inside the deciding transaction: the last approval publishes the plan and tells each
    visiting supervisor; a rejection returns it to the planner as "rejected" to rework and resubmit.
    """
    plan = Plan.objects.select_for_update().filter(
        pk=int(request.subject_id), organization_id=request.organization_id
    ).first()
    if plan is None or plan.approval_id != request.pk:
        return  # a request the plan no longer waits for (superseded by a later submission)
    decided = max((s for s in request.steps.all() if s.decided_at), key=lambda s: s.decided_at)
    actor = decided.decided_by
    before = snapshot(plan, PLAN_AUDIT_FIELDS)
    if outcome == "approved":
        plan.status = plan_transition(plan, "publish")
        plan.published_at = decided.decided_at
        plan.save(update_fields=["status", "published_at"])
        record_event(actor=actor, action="plan.publish", obj=plan, before=before,
                     after=snapshot(plan, PLAN_AUDIT_FIELDS), at=decided.decided_at)
        supervisors = {v.supervisor_id: v.supervisor for v in plan.visits.select_related("supervisor")}
        notify(
            recipients=supervisors.values(), kind="plan.published",
            title=_("督导计划已发布:%(title)s") % {"title": plan.title}, obj=plan,
            body=_("%(start)s 至 %(end)s 的走访已排入日历。") % {
                "start": plan.period_start.isoformat(), "end": plan.period_end.isoformat()},
            dedupe_key=f"plan:{plan.pk}:published:{request.pk}", at=decided.decided_at,
        )
    else:
        plan.status = plan_transition(plan, "reject")
        plan.save(update_fields=["status"])
        record_event(actor=actor, action="plan.reject", obj=plan, before=before,
                     after={**snapshot(plan, PLAN_AUDIT_FIELDS), "comment": decided.comment}, at=decided.decided_at)


# --- visits ------------------------------------------------------------------------------------
@transaction.atomic
def visit_mark_done(*, visit: Visit, inspection) -> Visit:
    """The inspection made for `visit` marks it done as of the inspection's time; again, nothing changes."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.status == VisitStatus.DONE:
        return visit
    if inspection.organization_id != visit.organization_id:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if inspection.unit_id != visit.unit_id:
        raise validation_error("visit_id", _("检查的机构与计划走访的机构不一致"))
    before = snapshot(visit, VISIT_AUDIT_FIELDS)
    visit.status = visit_transition(visit, "done")
    visit.done_at = inspection.performed_at
    visit.save(update_fields=["status", "done_at"])
    record_event(
        actor=inspection.inspector, action="visit.done", obj=visit, before=before,
        after={**snapshot(visit, VISIT_AUDIT_FIELDS), "inspection_id": inspection.pk},
    )
    return visit
