"""Composed, scoped reads of plans and visits: lists, the calendar, a supervisor's week, 应巡未巡."""

from __future__ import annotations

import datetime as dt

from dudao.org.choices import LEAF_KINDS, Role, UnitKind
from dudao.org.models import Person, Unit

from .choices import PlanStatus, VisitMode, VisitStatus
from .coverage import UnitRef
from .models import Plan, Visit, VisitSchedule
from .permissions import can_see_surprise_visits

DEFAULT_TEMPLATE_NAME = "门店营运标准检查表"


def default_template(templates):
    """The standard a visit uses when none is chosen: the store operations standard when published,
    else the first published one (templates ordered by name and newest version first)."""
    templates = list(templates)
    named = [t for t in templates if t.name == DEFAULT_TEMPLATE_NAME]
    return (named or templates or [None])[0]


def plans_for(actor, *, status: str = "", kind: str = ""):
    plans = Plan.objects.visible_to(actor).select_related("scope_unit", "created_by")
    if status:
        plans = plans.filter(status=status)
    if kind:
        plans = plans.filter(kind=kind)
    return plans.order_by("-period_start", "-id")


def plan_visits(plan):
    return plan.visits.select_related("unit", "supervisor", "template").order_by("date", "unit__path", "id")


def visible_visits(actor):
    """Visits on the calendar: those of published plans the actor sees; surprise visits are hidden
    from the units being visited (only supervisors and managers see them beforehand)."""
    visits = Visit.objects.visible_to(actor).filter(plan__status=PlanStatus.PUBLISHED)
    if not can_see_surprise_visits(actor):
        visits = visits.exclude(mode=VisitMode.SURPRISE)
    return visits.select_related("unit", "supervisor", "template", "plan")


def calendar_visits(actor, start: dt.date, end: dt.date, *, supervisor_id: int | None = None, region=None):
    visits = visible_visits(actor).filter(date__range=(start, end))
    if supervisor_id:
        visits = visits.filter(supervisor_id=supervisor_id)
    if region is not None:
        visits = visits.filter(unit__path__startswith=region.path)
    return visits.order_by("date", "unit__path", "id")


def week_visits(actor, start: dt.date):
    """The actor's own visits in the week starting `start` (published plans only)."""
    return (
        visible_visits(actor).filter(supervisor=actor, date__range=(start, start + dt.timedelta(days=6)))
        .order_by("date", "unit__path", "id")
    )


def calendar_filters(actor):
    """Supervisors and regions the actor may filter the calendar by."""
    supervisors = (
        Person.objects.visible_to(actor).filter(role_assignments__role=Role.SUPERVISOR, is_active=True)
        .distinct().order_by("display_name", "id")
    )
    regions = Unit.objects.visible_to(actor).filter(kind=UnitKind.REGION, is_active=True).order_by("path")
    return supervisors, regions


def due_visits(plan, as_of: dt.date):
    """应巡未巡: the plan's visits due on or before `as_of` and not done (cancelled ones are not due)."""
    return plan_visits(plan).filter(status=VisitStatus.PLANNED, date__lte=as_of)


def schedules_for(actor, *, supervisor_id: int | None = None, unit_id: int | None = None):
    schedules = VisitSchedule.objects.visible_to(actor).select_related("unit", "supervisor", "template")
    if supervisor_id:
        schedules = schedules.filter(supervisor_id=supervisor_id)
    if unit_id:
        schedules = schedules.filter(unit_id=unit_id)
    return schedules.order_by("-active", "unit__path", "id")


def schedule_scope_units(actor) -> list[UnitRef]:
    """The active sites the actor sees, as coverage reads them."""
    return [
        UnitRef(*row) for row in Unit.objects.visible_to(actor).filter(is_active=True, kind__in=LEAF_KINDS)
        .order_by("path").values_list("id", "name", "code", "kind", "path")
    ]


def generated_visits(actor, start: dt.date, end: dt.date, *, supervisor_id: int | None = None):
    """Visits recurring schedules generated in [start, end], as the calendar shows them."""
    visits = visible_visits(actor).filter(schedule__isnull=False, date__range=(start, end))
    if supervisor_id:
        visits = visits.filter(supervisor_id=supervisor_id)
    return visits.order_by("supervisor__display_name", "supervisor_id", "date", "unit__path", "id")
