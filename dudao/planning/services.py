"""Supervision plans: drafting, visits, submission for approval, publication, visits done."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.checklists.choices import TemplateStatus
from dudao.core.access import get_for_actor
from dudao.core.audit import record_event, record_events, snapshot
from dudao.core.errors import (
    ApplicationError,
    ErrorCode,
    clean_text,
    full_clean_or_refuse,
    require_permission,
    validation_error,
)
from dudao.core.idempotency import clean_client_id, earlier, save_once
from dudao.notifications.services import notify
from dudao.org.choices import LEAF_KINDS, ORG_WIDE_ROLES
from dudao.org.models import Person, RoleAssignment

from .choices import PlanKind, PlanStatus, ScheduleFrequency, VisitMode, VisitStatus, WeekOfMonth
from .coverage import UnitRef, plan_coverage
from .models import PLANNERS, Holiday, Plan, Visit, VisitSchedule
from .permissions import can_create_plan, can_edit_plan, can_manage_holidays, can_plan, covers
from .proposal import _inspectors_covering
from .workflow import PLAN, VISIT

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
def plan_in_slot(plan: Plan) -> Plan | None:
    """The plan that already holds `plan`'s slot, if any: same organisation, scope unit and kind, with a
    period overlapping its own. Every status holds the slot, a rejected plan too (it goes back to the
    planner to be reworked and resubmitted; it is not given up)."""
    return (
        Plan.objects.filter(
            organization_id=plan.organization_id, scope_unit_id=plan.scope_unit_id, kind=plan.kind,
            automatic=plan.automatic, period_start__lte=plan.period_end, period_end__gte=plan.period_start,
        )
        .exclude(pk=plan.pk)
        .order_by("period_start", "id")
        .first()
    )


def _refuse_taken_slot(plan: Plan) -> None:
    """One plan per scope, kind and period: a second is refused, naming the first."""
    first = plan_in_slot(plan)
    if first is None:
        return
    message = _(
        "%(scope)s 在 %(start)s 至 %(end)s 已有%(kind)s计划“%(title)s”(编号 %(id)s,%(status)s),"
        "同一范围、同一类型、同一期间只能有一份计划"
    ) % {
        "scope": plan.scope_unit.name, "start": first.period_start.isoformat(), "end": first.period_end.isoformat(),
        "kind": first.get_kind_display(), "title": first.title, "id": first.pk, "status": first.get_status_display(),
    }
    raise ApplicationError(ErrorCode.VALIDATION, message, {
        "fields": {"period_start": [message]},
        "existing_plan": {"id": first.pk, "title": first.title, "status": first.status,
                          "period_start": first.period_start.isoformat(), "period_end": first.period_end.isoformat(),
                          "url": first.get_absolute_url()},
    })


@transaction.atomic
def plan_create(
    *, actor, title: str, kind: str, period_start: dt.date, period_end: dt.date, scope_unit, focus: str = "",
    methods: Sequence[str] = (),
) -> Plan:
    """A draft plan for `scope_unit`'s subtree over [period_start, period_end]; refused, naming it,
    when a plan of the same kind for the same scope unit already covers part of that period."""
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
    _refuse_taken_slot(plan)
    full_clean_or_refuse(plan, validate_constraints=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        # Another request took the slot between the check and the insert: name its plan.
        _refuse_taken_slot(plan)
        raise
    record_event(actor=actor, action="plan.create", obj=plan, after=snapshot(plan, PLAN_AUDIT_FIELDS))
    get_for_actor(Plan, actor, plan.pk, action="manage")
    return plan


def _locked_editable(actor, plan) -> Plan:
    plan = get_for_actor(Plan.objects.select_related("scope_unit"), actor, plan.pk, action="manage", for_update=True)
    if not PLAN.editable(plan):
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
    PLAN.check(plan, "submit")
    visit_count = plan.visits.exclude(status=VisitStatus.CANCELLED).count()
    if not visit_count:
        raise validation_error("visits", _("计划中还没有走访,不能提交"))
    now = now or timezone.now()
    broken = [rule for rule in plan_coverage(plan) if not rule.satisfied]
    approval = approval_request_create(
        actor=actor, kind="plan", title=plan.title, unit=plan.scope_unit, subject=plan, now=now,
        detail={
            "plan_id": plan.pk, "period": f"{plan.period_start.isoformat()} ~ {plan.period_end.isoformat()}",
            "visits": visit_count, "broken_rules": [rule.code for rule in broken],
            "problems": [problem for rule in broken for problem in rule.problems],
        },
    )
    PLAN.apply(plan, "submit", actor=actor, audit_fields=PLAN_AUDIT_FIELDS,
               changes={"approval_id": approval.pk, "submitted_at": now})
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
    if outcome == "approved":
        PLAN.apply(plan, "publish", actor=actor, audit_fields=PLAN_AUDIT_FIELDS,
                   changes={"published_at": decided.decided_at}, at=decided.decided_at)
        supervisors = {v.supervisor_id: v.supervisor for v in plan.visits.select_related("supervisor")}
        notify(
            recipients=supervisors.values(), kind="plan.published",
            title=_("督导计划已发布:%(title)s") % {"title": plan.title}, obj=plan,
            body=_("%(start)s 至 %(end)s 的走访已排入日历。") % {
                "start": plan.period_start.isoformat(), "end": plan.period_end.isoformat()},
            dedupe_key=f"plan:{plan.pk}:published:{request.pk}", at=decided.decided_at,
        )
    else:
        PLAN.apply(plan, "reject", actor=actor, audit_fields=PLAN_AUDIT_FIELDS, extra={"comment": decided.comment},
                   at=decided.decided_at)


# --- visits ------------------------------------------------------------------------------------
@transaction.atomic
def visit_mark_done(*, inspection, visit: Visit | None = None) -> Visit:
    """The submitted inspection made for `visit` (by default the inspection's own visit) marks it done
    as of the inspection's time; again, nothing changes. Inspections call it inside the submitting
    transaction: a visit is done only when its inspection is submitted, never by a draft."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk if visit is not None else inspection.visit_id)
    if visit.status == VisitStatus.DONE:
        return visit
    if inspection.organization_id != visit.organization_id:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if inspection.unit_id != visit.unit_id:
        raise validation_error("visit_id", _("检查的机构与计划走访的机构不一致"))
    if inspection.is_editable:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("检查尚未提交,计划走访不能标记为已巡"),
                               {"status": visit.status, "action": "done"})
    VISIT.apply(visit, "done", actor=inspection.inspector, audit_fields=VISIT_AUDIT_FIELDS,
                changes={"done_at": inspection.performed_at}, extra={"inspection_id": inspection.pk})
    return visit


# --- recurring schedules -----------------------------------------------------------------------
SCHEDULE_AUDIT_FIELDS = ["unit", "supervisor", "template", "mode", "frequency", "weekday", "interval_weeks",
                         "anchor_on", "day_of_month", "week_of_month", "month_of_quarter", "starts_on", "ends_on",
                         "active"]
# The fields each frequency reads; the others are cleared.
FREQUENCY_FIELDS = {
    ScheduleFrequency.WEEKLY: {"weekday"},
    ScheduleFrequency.EVERY_N_WEEKS: {"weekday", "interval_weeks", "anchor_on"},
    ScheduleFrequency.MONTHLY: {"day_of_month", "week_of_month", "weekday"},
    ScheduleFrequency.QUARTERLY: {"month_of_quarter", "day_of_month"},
}
MAX_INTERVAL_WEEKS = 26


def _in_range(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_schedule(actor, schedule: VisitSchedule) -> None:
    """Scope first (another organisation's or an unseen unit or person is a 404), then every field,
    each refusal naming its field. Clears the fields the frequency does not read."""
    unit, person, template = schedule.unit, schedule.supervisor, schedule.template
    for obj in (unit, person, template):
        if obj is not None and obj.organization_id != actor.organization_id:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if not covers(actor, PLANNERS, unit):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if not unit.is_active or unit.kind not in LEAF_KINDS:
        raise validation_error("unit_id", _("只能为在用的门店、网点或厂站排程"))
    ref = UnitRef(unit.pk, unit.name, unit.code, unit.kind, unit.path)
    if not person.is_active or person.pk not in _inspectors_covering(unit.organization_id, [person], [ref])[unit.pk]:
        raise validation_error("supervisor_id", _("%(person)s 没有负责 %(unit)s 的督导权限") % {
            "person": person.display_name, "unit": unit.name})
    if template is not None and template.status != TemplateStatus.PUBLISHED:
        raise validation_error("template_id", _("只能选择已发布的检查标准"))
    if schedule.mode not in VisitMode.values:
        raise validation_error("mode", _("未知的督导方式:%(mode)s") % {"mode": schedule.mode})
    if schedule.frequency not in ScheduleFrequency.values:
        raise validation_error("frequency", _("频次必须是每周、每隔数周、每月或每季度"))
    for name in {"weekday", "interval_weeks", "anchor_on", "day_of_month", "week_of_month", "month_of_quarter"} - \
            FREQUENCY_FIELDS[ScheduleFrequency(schedule.frequency)]:
        setattr(schedule, name, None)
    frequency = schedule.frequency
    if frequency == ScheduleFrequency.MONTHLY and schedule.week_of_month is None:
        schedule.weekday = None  # by day of month
    needs_weekday = frequency in (ScheduleFrequency.WEEKLY, ScheduleFrequency.EVERY_N_WEEKS) or (
        frequency == ScheduleFrequency.MONTHLY and schedule.week_of_month is not None)
    if needs_weekday and not _in_range(schedule.weekday, 0, 6):
        raise validation_error("weekday", _("请选择星期几"))
    if frequency == ScheduleFrequency.EVERY_N_WEEKS and not _in_range(schedule.interval_weeks, 2, MAX_INTERVAL_WEEKS):
        raise validation_error("interval_weeks", _("间隔周数必须在 2 到 %(max)s 之间") % {"max": MAX_INTERVAL_WEEKS})
    if frequency == ScheduleFrequency.MONTHLY:
        if schedule.week_of_month is not None:
            if schedule.week_of_month not in WeekOfMonth.values:
                raise validation_error("week_of_month", _("第几个周几只能是第一至第四个或最后一个"))
            if schedule.day_of_month is not None:
                raise validation_error("day_of_month", _("按日期或按第几个周几,二者只选其一"))
        elif not _in_range(schedule.day_of_month, 1, 31):
            raise validation_error("day_of_month", _("请填写每月几号(1–31),或选择第几个周几"))
    if frequency == ScheduleFrequency.QUARTERLY:
        if not _in_range(schedule.month_of_quarter, 1, 3):
            raise validation_error("month_of_quarter", _("季度中的月份只能是第 1、2 或 3 个月"))
        if not _in_range(schedule.day_of_month, 1, 31):
            raise validation_error("day_of_month", _("请填写几号(1–31)"))
    if schedule.starts_on is None:
        raise validation_error("starts_on", _("请填写开始日期"))
    if schedule.ends_on is not None and schedule.ends_on < schedule.starts_on:
        raise validation_error("ends_on", _("结束日期不能早于开始日期"))
    full_clean_or_refuse(schedule, exclude=["unit", "supervisor", "template", "created_by"],
                         validate_constraints=False)


def _same_request(schedule: VisitSchedule, values: dict) -> bool:
    return all(getattr(schedule, name) == value for name, value in values.items()
               if name in FREQUENCY_FIELDS[ScheduleFrequency(schedule.frequency)] | {
                   "unit", "supervisor", "frequency", "starts_on"})


@transaction.atomic
def visit_schedule_create(
    *, actor, unit, supervisor, frequency: str, starts_on: dt.date, template=None, mode: str = VisitMode.ON_SITE,
    weekday: int | None = None, interval_weeks: int | None = None, anchor_on: dt.date | None = None,
    day_of_month: int | None = None, week_of_month: int | None = None, month_of_quarter: int | None = None,
    ends_on: dt.date | None = None, client_id: str = "",
) -> tuple[VisitSchedule, bool]:
    """A recurring visit of `unit` by `supervisor` (see `VisitSchedule`); (schedule, created).

    A retry with the same `client_id` returns the first schedule; the same id with a different
    schedule is refused (409)."""
    require_permission(can_plan(actor))
    values = {"unit": unit, "supervisor": supervisor, "template": template, "mode": mode, "frequency": frequency,
              "weekday": weekday, "interval_weeks": interval_weeks, "anchor_on": anchor_on,
              "day_of_month": day_of_month, "week_of_month": week_of_month, "month_of_quarter": month_of_quarter,
              "starts_on": starts_on, "ends_on": ends_on}
    mine = VisitSchedule.objects.filter(organization_id=actor.organization_id, created_by=actor)
    client_id = clean_client_id(client_id)
    if (first := earlier(mine, client_id)) is not None:
        first = get_for_actor(VisitSchedule, actor, first.pk, action="manage")
        if not _same_request(first, values):
            raise ApplicationError(ErrorCode.CONFLICT, _("该客户端编号已用于另一个排程"), {"id": first.pk})
        return first, False
    schedule = VisitSchedule(organization_id=actor.organization_id, created_by=actor, client_id=client_id,
                             active=True, **values)
    _check_schedule(actor, schedule)
    schedule, created = save_once(schedule, mine)
    if not created:
        return schedule, False
    record_event(actor=actor, action="visit_schedule.create", obj=schedule,
                 after=snapshot(schedule, SCHEDULE_AUDIT_FIELDS))
    get_for_actor(VisitSchedule, actor, schedule.pk, action="manage")
    return schedule, True


@transaction.atomic
def visit_schedule_update(*, actor, schedule: VisitSchedule, **changes) -> VisitSchedule:
    """Change a schedule (any of the fields `visit_schedule_create` takes). Visits generated already
    stay; the next run generates by the new rule."""
    schedule = get_for_actor(VisitSchedule.objects.select_related("unit", "supervisor", "template"), actor,
                             schedule.pk, action="manage", for_update=True)
    allowed = set(SCHEDULE_AUDIT_FIELDS) - {"active"}
    unknown = set(changes) - allowed
    if unknown:
        raise validation_error(sorted(unknown)[0], _("不能修改此字段"))
    before = snapshot(schedule, SCHEDULE_AUDIT_FIELDS)
    for name, value in changes.items():
        setattr(schedule, name, value)
    _check_schedule(actor, schedule)
    schedule.save()
    record_event(actor=actor, action="visit_schedule.update", obj=schedule, before=before,
                 after=snapshot(schedule, SCHEDULE_AUDIT_FIELDS))
    get_for_actor(VisitSchedule, actor, schedule.pk, action="manage")
    return schedule


@transaction.atomic
def visit_schedule_deactivate(*, actor, schedule: VisitSchedule) -> VisitSchedule:
    """Stop a schedule: it generates nothing more (visits generated already stay on the calendar)."""
    schedule = get_for_actor(VisitSchedule, actor, schedule.pk, action="manage", for_update=True)
    if not schedule.active:
        return schedule
    before = snapshot(schedule, SCHEDULE_AUDIT_FIELDS)
    schedule.active = False
    schedule.save(update_fields=["active", "updated_at"])
    record_event(actor=actor, action="visit_schedule.deactivate", obj=schedule, before=before,
                 after=snapshot(schedule, SCHEDULE_AUDIT_FIELDS))
    return schedule


# --- holiday calendar --------------------------------------------------------------------------
HOLIDAY_AUDIT_FIELDS = ["date", "name", "workday"]


@transaction.atomic
def holiday_add(*, actor, date: dt.date, name: str, workday: bool = False) -> Holiday:
    """A holiday (or, with `workday`, a make-up working day) on the organisation's calendar."""
    require_permission(can_manage_holidays(actor))
    if date is None:
        raise validation_error("date", _("请填写日期"))
    name = clean_text(name, "name", limit=60, required=_("请填写名称"))
    if Holiday.objects.filter(organization_id=actor.organization_id, date=date).exists():
        raise validation_error("date", _("%(date)s 已在节假日日历中") % {"date": date.isoformat()})
    holiday = Holiday(organization_id=actor.organization_id, date=date, name=name, workday=bool(workday),
                      created_by=actor)
    full_clean_or_refuse(holiday, exclude=["created_by"], validate_constraints=False)
    holiday.save()
    record_event(actor=actor, action="holiday.create", obj=holiday, after=snapshot(holiday, HOLIDAY_AUDIT_FIELDS))
    return holiday


@transaction.atomic
def holiday_remove(*, actor, holiday: Holiday) -> None:
    holiday = get_for_actor(Holiday, actor, holiday.pk, action="manage", for_update=True)
    record_event(actor=actor, action="holiday.delete", obj=holiday, before=snapshot(holiday, HOLIDAY_AUDIT_FIELDS))
    holiday.delete()
