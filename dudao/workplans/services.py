"""Writing work plans: create with items (own plans only, a period the policy allows), submit,
and summarise, where every item not done needs its reason. Atomic and audited; the readers over
the owner's unit are told of a submitted plan and summary."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_event, snapshot
from dudao.core.errors import ApplicationError, ErrorCode, deny_permission, validation_error
from dudao.core.periods import window_of
from dudao.notifications.services import notify
from dudao.org.models import RoleAssignment
from dudao.org.selectors import role_holders
from dudao.policies.choices import Period
from dudao.policies.registry import policy_for

from .choices import PlanStatus
from .models import WorkPlan, WorkPlanItem
from .permissions import PLANNERS, can_plan
from .workflow import WORK_PLAN

AUDIT_FIELDS = ["owner", "unit", "period_kind", "period_start", "period_end", "status", "summary_note"]
MAX_ITEMS = 50


def _items_state(plan) -> list[dict]:
    return [{"title": i.title, "due_date": i.due_date.isoformat() if i.due_date else None, "done": i.done,
             "reason": i.reason} for i in plan.items.all()]


def _home_unit(actor):
    assignment = (RoleAssignment.objects.filter(person=actor, role__in=PLANNERS).select_related("unit")
                  .order_by("unit__path").first())
    return assignment.unit if assignment else None


def _readers(plan) -> list:
    roles = {"department_head", "ops_manager"}
    return role_holders(plan.unit, roles, nearest=roles, exclude_ids={plan.owner_id})


@transaction.atomic
def work_plan_create(*, actor, period_kind: str, period_start: dt.date, items: list[dict],
                     now: dt.datetime | None = None) -> WorkPlan:
    """A plan of the actor's own week or month (`period_start` is moved to the period's first day)."""
    if not can_plan(actor):
        deny_permission()
    now = now or timezone.now()
    allowed = policy_for(actor.organization_id, on=timezone.localdate(now)).training.work_plan_periods
    if period_kind not in allowed:
        raise validation_error("period_kind", _("制度规定的计划周期为：%(kinds)s") % {
            "kinds": "、".join(str(Period(k).label) for k in allowed)})
    start, end = window_of(period_kind, period_start)
    if not isinstance(items, list) or not items:
        raise validation_error("items", _("请至少填写一个事项"))
    if len(items) > MAX_ITEMS:
        raise validation_error("items", _("最多 %(n)s 个事项") % {"n": MAX_ITEMS})
    rows = []
    for index, item in enumerate(items):
        title = str((item or {}).get("title") or "").strip()
        if not title:
            raise validation_error(f"items.{index}.title", _("第 %(n)s 项：请填写事项") % {"n": index + 1})
        if len(title) > 300:
            raise validation_error(f"items.{index}.title", _("第 %(n)s 项：事项最多 300 字") % {"n": index + 1})
        due = item.get("due_date")
        if isinstance(due, str) and due:
            try:
                due = dt.date.fromisoformat(due)
            except ValueError:
                raise validation_error(f"items.{index}.due_date", _("第 %(n)s 项：日期格式应为 YYYY-MM-DD") % {
                    "n": index + 1}) from None
        rows.append(WorkPlanItem(position=index + 1, title=title, due_date=due or None))
    unit = _home_unit(actor)
    plan = WorkPlan(organization_id=actor.organization_id, owner=actor, unit=unit, period_kind=period_kind,
                    period_start=start, period_end=end, status=PlanStatus.DRAFT, created_at=now)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ApplicationError(ErrorCode.CONFLICT, _("本期计划已存在"),
                               {"fields": {"period_start": [_("本期计划已存在")]}}) from None
    for row in rows:
        row.plan = plan
    WorkPlanItem.objects.bulk_create(rows)
    record_event(actor=actor, action="work_plan.create", obj=plan, at=now,
                 after={**snapshot(plan, AUDIT_FIELDS), "items": _items_state(plan)})
    return plan


@transaction.atomic
def work_plan_submit(*, actor, plan: WorkPlan, now: dt.datetime | None = None) -> WorkPlan:
    plan = WorkPlan.objects.select_for_update(of=("self",)).select_related("unit").get(pk=plan.pk)
    if plan.owner_id != actor.pk:
        deny_permission()
    now = now or timezone.now()
    WORK_PLAN.apply(plan, "submit", actor=actor, changes={"submitted_at": now}, audit_fields=AUDIT_FIELDS, at=now)
    notify(recipients=_readers(plan), kind="work_plan.submitted", obj=plan, at=now,
           title=_("%(name)s 提交了%(kind)s工作计划（%(start)s 起）") % {
               "name": actor.display_name, "kind": Period(plan.period_kind).label, "start": plan.period_start},
           url=f"/work-plans/{plan.pk}/", dedupe_key=f"work_plan:{plan.pk}:submitted")
    return plan


@transaction.atomic
def work_plan_summarise(*, actor, plan: WorkPlan, items: list[dict], note: str = "",
                        now: dt.datetime | None = None) -> WorkPlan:
    """Mark every item done or not; an item not done needs its reason (each missing one is named,
    nothing is saved). The owner may correct a summary later; the audit keeps every version."""
    plan = WorkPlan.objects.select_for_update(of=("self",)).select_related("unit").get(pk=plan.pk)
    if plan.owner_id != actor.pk:
        deny_permission()
    WORK_PLAN.check(plan, "summarise")
    now = now or timezone.now()
    existing = {item.pk: item for item in plan.items.all()}
    given = {}
    errors: dict[str, list[str]] = {}
    for index, entry in enumerate(items if isinstance(items, list) else []):
        try:
            item_id = int((entry or {}).get("id"))
        except (TypeError, ValueError):
            item_id = None
        if item_id not in existing:
            errors[f"items.{index}.id"] = [_("不是本计划的事项")]
            continue
        given[item_id] = entry
    for item in existing.values():
        entry = given.get(item.pk)
        if entry is None or entry.get("done") is None:
            errors[f"items.{item.pk}.done"] = [_("“%(title)s”：请标明是否完成") % {"title": item.title}]
            continue
        done = bool(entry.get("done"))
        reason = str(entry.get("reason") or "").strip()
        if not done and not reason:
            errors[f"items.{item.pk}.reason"] = [_("“%(title)s”未完成：请写明原因和措施") % {"title": item.title}]
        item.done, item.reason = done, reason
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(ErrorCode.VALIDATION, first, {"fields": errors})
    before = {**snapshot(plan, AUDIT_FIELDS), "items": _items_state(plan)}
    WorkPlanItem.objects.bulk_update(list(existing.values()), ["done", "reason"])
    plan.summary_note = (note or "").strip()[:4000]
    WORK_PLAN.apply(plan, "summarise", actor=actor, changes={"summarised_at": now, "summary_note": plan.summary_note},
                    audit_fields=AUDIT_FIELDS, at=now, extra={"items": _items_state(plan), "before_items": before["items"]})
    notify(recipients=_readers(plan), kind="work_plan.summarised", obj=plan, at=now,
           title=_("%(name)s 提交了工作总结（%(start)s 起）") % {"name": actor.display_name, "start": plan.period_start},
           url=f"/work-plans/{plan.pk}/", dedupe_key=f"work_plan:{plan.pk}:summarised:{now.isoformat()}")
    return plan
