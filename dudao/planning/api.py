"""Plans API (DESIGN.md section 5): plans, their visits, coverage, 应巡未巡, proposals, submission."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from dudao.checklists.models import Template
from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.org.models import Person, Unit

from . import selectors, services
from .coverage import plan_coverage
from .models import Plan, Visit, VisitSchedule
from .permissions import can_edit_plan
from .proposal import propose_visits
from .schemas import (
    CoverageOut,
    DueVisitOut,
    PlanIn,
    PlanOut,
    ProposalOut,
    ProposeIn,
    ScheduleIn,
    ScheduleOut,
    SchedulePatch,
    SubmitOut,
    VisitIn,
    VisitOut,
)

router = Router(tags=["plans"])


def _plan(actor, plan_id, action="view") -> Plan:
    return get_for_actor(Plan.objects.select_related("scope_unit"), actor, plan_id, action=action)


def _by_id(queryset, ids, field: str) -> dict:
    """Objects the actor sees, by id; any id they cannot see is a 404 naming the field."""
    found = {obj.pk: obj for obj in queryset.filter(pk__in=set(ids))}
    for index, pk in enumerate(ids):
        if pk not in found:
            raise ApplicationError(ErrorCode.NOT_FOUND, f"{index}.{field}: {pk} not found",
                                   {"fields": {f"{index}.{field}": [_("对象不存在")]}})
    return found


def coverage_out(plan, rules) -> dict:
    return {"plan_id": plan.pk, "satisfied": all(rule.satisfied for rule in rules),
            "rules": [rule.as_dict() for rule in rules]}


# --- recurring schedules (declared before "/{plan_id}") ------------------------------------------
def _schedule(actor, schedule_id: int, action: str = "view") -> VisitSchedule:
    return get_for_actor(VisitSchedule.objects.select_related("unit", "supervisor", "template"), actor, schedule_id,
                         action=action)


def _schedule_refs(actor, values: dict) -> dict:
    """The objects a schedule payload names by id, each one the actor sees (else 404 naming the field)."""
    refs = {}
    for field, name, queryset in (("unit_id", "unit", Unit.objects.visible_to(actor)),
                                  ("supervisor_id", "supervisor", Person.objects.visible_to(actor)),
                                  ("template_id", "template", Template.objects.visible_to(actor))):
        if field not in values:
            continue
        pk = values.pop(field)
        if pk is None:
            if field != "template_id":
                raise ApplicationError(ErrorCode.VALIDATION, _("必须填写"), {"fields": {field: [_("必须填写")]}})
            refs[name] = None
            continue
        found = queryset.filter(pk=pk).first()
        if found is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, f"{field}: {pk} not found", {"fields": {field: [_("对象不存在")]}})
        refs[name] = found
    return {**values, **refs}


@router.get("/schedules", response=list[ScheduleOut])
@paginate(Pagination)
def schedule_list(request, supervisor_id: int | None = None, unit_id: int | None = None):
    return selectors.schedules_for(actor_of(request), supervisor_id=supervisor_id, unit_id=unit_id)


@router.post("/schedules", response={200: ScheduleOut, 201: ScheduleOut})
def schedule_create(request, payload: ScheduleIn):
    """A recurring visit; the same `client_id` again returns the first schedule (200)."""
    actor = actor_of(request)
    values = payload.dict()
    client_id = values.pop("client_id")
    schedule, created = services.visit_schedule_create(actor=actor, client_id=client_id,
                                                       **_schedule_refs(actor, values))
    return Status(201 if created else 200, _schedule(actor, schedule.pk))


@router.patch("/schedules/{schedule_id}", response=ScheduleOut)
def schedule_update(request, schedule_id: int, payload: SchedulePatch):
    actor = actor_of(request)
    schedule = _schedule(actor, schedule_id, "manage")
    changes = _schedule_refs(actor, payload.dict(exclude_unset=True))
    services.visit_schedule_update(actor=actor, schedule=schedule, **changes)
    return _schedule(actor, schedule_id)


@router.delete("/schedules/{schedule_id}", response=ScheduleOut)
def schedule_deactivate(request, schedule_id: int):
    """Stops the schedule (it is kept, inactive, with the visits it generated)."""
    actor = actor_of(request)
    services.visit_schedule_deactivate(actor=actor, schedule=_schedule(actor, schedule_id, "manage"))
    return _schedule(actor, schedule_id)


# --- plans -----------------------------------------------------------------------------------------
@router.post("", response={201: PlanOut})
def plan_create(request, payload: PlanIn):
    actor = actor_of(request)
    scope_unit = get_for_actor(Unit, actor, payload.scope_unit_id)
    plan = services.plan_create(
        actor=actor, title=payload.title, kind=payload.kind, period_start=payload.period_start,
        period_end=payload.period_end, scope_unit=scope_unit, focus=payload.focus, methods=payload.methods,
    )
    return Status(201, plan)


@router.get("", response=list[PlanOut])
@paginate(Pagination)
def plan_list(request, status: str = "", kind: str = ""):
    return selectors.plans_for(actor_of(request), status=status, kind=kind)


@router.get("/{plan_id}", response=PlanOut)
def plan_get(request, plan_id: int):
    return _plan(actor_of(request), plan_id)


@router.post("/{plan_id}/visits", response={201: list[VisitOut]})
def plan_visits_add(request, plan_id: int, payload: list[VisitIn]):
    actor = actor_of(request)
    plan = _plan(actor, plan_id, "manage")
    units = _by_id(Unit.objects.visible_to(actor), [v.unit_id for v in payload], "unit_id")
    people = _by_id(Person.objects.visible_to(actor), [v.supervisor_id for v in payload], "supervisor_id")
    template_ids = [v.template_id for v in payload if v.template_id is not None]
    templates = _by_id(Template.objects.visible_to(actor), template_ids, "template_id")
    created = services.plan_visits_add(actor=actor, plan=plan, visits=[
        services.VisitInput(
            unit=units[v.unit_id], supervisor=people[v.supervisor_id], date=v.date,
            template=templates.get(v.template_id), mode=v.mode,
        )
        for v in payload
    ])
    return Status(201, list(selectors.plan_visits(plan).filter(pk__in=[v.pk for v in created])))


@router.get("/{plan_id}/visits", response=list[VisitOut])
@paginate(Pagination)
def plan_visit_list(request, plan_id: int):
    return selectors.plan_visits(_plan(actor_of(request), plan_id))


@router.delete("/{plan_id}/visits/{visit_id}", response={204: None})
def plan_visit_delete(request, plan_id: int, visit_id: int):
    actor = actor_of(request)
    plan = _plan(actor, plan_id, "manage")
    visit = get_for_actor(Visit.objects.filter(plan=plan), actor, visit_id, action="manage")
    services.plan_visit_remove(actor=actor, visit=visit)
    return Status(204, None)


@router.post("/{plan_id}/propose", response=ProposalOut)
def plan_propose(request, plan_id: int, payload: ProposeIn):
    """Visits that would satisfy every coverage rule; nothing is saved (post the ones kept to /visits)."""
    actor = actor_of(request)
    plan = _plan(actor, plan_id, "manage")
    if not can_edit_plan(actor, plan):
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("计划已提交或已发布,不能再修改走访"),
                               {"status": plan.status, "action": "propose"})
    if payload.supervisor_ids:
        people = _by_id(Person.objects.visible_to(actor), payload.supervisor_ids, "supervisor_ids")
        supervisors = [people[pk] for pk in dict.fromkeys(payload.supervisor_ids)]
    else:
        supervisors = [actor]
    template = get_for_actor(Template, actor, payload.template_id) if payload.template_id else None
    proposal = propose_visits(plan, supervisors=supervisors, template=template, mode=payload.mode)
    return {
        "plan_id": plan.pk,
        "visits": [
            {"unit_id": v.unit.id, "unit_name": v.unit.name, "supervisor_id": v.supervisor.pk,
             "supervisor_name": v.supervisor.display_name, "date": v.date,
             "template_id": v.template.pk if v.template else None, "mode": v.mode, "rule_codes": v.rule_codes,
             "reasons": v.reasons}
            for v in proposal.visits
        ],
        "problems": proposal.problems,
        "coverage": coverage_out(plan, proposal.coverage),
    }


@router.get("/{plan_id}/coverage", response=CoverageOut)
def plan_coverage_get(request, plan_id: int):
    plan = _plan(actor_of(request), plan_id)
    return coverage_out(plan, plan_coverage(plan))


@router.get("/{plan_id}/due", response=list[DueVisitOut])
@paginate(Pagination)
def plan_due(request, plan_id: int, as_of: dt.date | None = None):
    """应巡未巡: visits due on or before `as_of` (default today) and not done."""
    plan = _plan(actor_of(request), plan_id)
    as_of = as_of or timezone.localdate()
    visits = list(selectors.due_visits(plan, as_of))
    for visit in visits:
        visit.days_overdue = (as_of - visit.date).days
    return visits


@router.post("/{plan_id}/submit", response=SubmitOut)
def plan_submit(request, plan_id: int):
    actor = actor_of(request)
    plan = services.plan_submit(actor=actor, plan=_plan(actor, plan_id, "manage"))
    return {"id": plan.pk, "status": plan.status, "approval_id": plan.approval_id}
