"""Composed, scoped reads of plans and visits: lists, the calendar, a supervisor's week, 应巡未巡."""

from __future__ import annotations

import datetime as dt

from dudao.org.choices import Role, UnitKind
from dudao.org.models import Person, Unit

from .choices import PlanStatus, VisitMode, VisitStatus
from .models import Plan, Visit
from .permissions import can_see_surprise_visits


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
