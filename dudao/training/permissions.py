"""Who plans training and who reads it. The rule: the operations department, HR, supervisors and
administrators plan sessions and surveys for units in their subtree and record attendance; the
people invited read their own sessions and history, and answer surveys of their units."""

from dudao.core.scoping import actor_covers, is_active_actor

ORGANISERS = frozenset({"admin", "ops_manager", "department_head", "hr", "supervisor"})
READERS = ORGANISERS | {"executive", "region_manager"}


def can_organise(actor, unit) -> bool:
    return (is_active_actor(actor) and unit.organization_id == actor.organization_id
            and actor_covers(actor, ORGANISERS, unit.path))


def can_view_training(actor) -> bool:
    return is_active_actor(actor) and actor.has_role(*READERS)
