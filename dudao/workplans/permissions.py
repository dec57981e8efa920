"""Who writes and reads work plans. The rule: supervisors and the department (its head, the
operations manager) plan their own weeks and months; a plan is read by its owner and by the
department head, the operations manager, the executive and the administrators of the organisation
(the department works from the operations center, outside the regions it supervises)."""

from dudao.core.scoping import is_active_actor

PLANNERS = frozenset({"supervisor", "department_head", "ops_manager"})
READERS = frozenset({"admin", "executive", "ops_manager", "department_head"})


def can_plan(actor) -> bool:
    return is_active_actor(actor) and actor.has_role(*PLANNERS)
