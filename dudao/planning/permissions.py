"""What a person may do with plans and visits; views, endpoints and templates ask only these."""

from __future__ import annotations

from dudao.core.scoping import actor_covers, is_active_actor
from dudao.org.choices import Role

from .models import HOLIDAY_KEEPERS, PLANNERS, SCHEDULE_READERS
from .workflow import PLAN

# Who may see surprise (突击) visits before they happen: not the units being visited.
SURPRISE_READERS = frozenset({Role.ADMIN, Role.EXECUTIVE, Role.OPS_MANAGER, Role.SUPERVISOR, Role.REGION_MANAGER})



def covers(actor, roles, unit) -> bool:
    """Whether `actor` holds one of `roles` on `unit` or one of its ancestors."""
    return actor_covers(actor, roles, unit.path) and unit.organization_id == actor.organization_id


def can_plan(actor) -> bool:
    """May draft plans somewhere (admin, operations manager, supervisor)."""
    return is_active_actor(actor) and actor.has_role(*PLANNERS)


def can_create_plan(actor, scope_unit) -> bool:
    return covers(actor, PLANNERS, scope_unit)


def can_edit_plan(actor, plan) -> bool:
    """Visits are added, removed and proposed, and the plan submitted, while it is a draft (or returned)."""
    return PLAN.editable(plan) and covers(actor, PLANNERS, plan.scope_unit)


def can_see_surprise_visits(actor) -> bool:
    return is_active_actor(actor) and actor.has_role(*SURPRISE_READERS)


def can_view_schedules(actor) -> bool:
    return is_active_actor(actor) and actor.has_role(*SCHEDULE_READERS)


def can_manage_schedule(actor, schedule) -> bool:
    """Change or stop a schedule: a planner whose role covers its unit."""
    return covers(actor, PLANNERS, schedule.unit)


def can_manage_holidays(actor) -> bool:
    """The holiday calendar is kept by the administrator and the operations manager."""
    return is_active_actor(actor) and actor.has_role(*HOLIDAY_KEEPERS)
