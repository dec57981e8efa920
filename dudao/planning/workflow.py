"""A plan's and a visit's states and the only transitions between them."""

from dudao.core.errors import ApplicationError, ErrorCode

from .choices import PlanStatus, VisitStatus

# action -> (states it may start from, state it leads to)
PLAN_TRANSITIONS = {
    "submit": ({PlanStatus.DRAFT, PlanStatus.REJECTED}, PlanStatus.SUBMITTED),
    # The last approval publishes the plan; a rejection returns it to the planner to rework.
    "publish": ({PlanStatus.SUBMITTED}, PlanStatus.PUBLISHED),
    "reject": ({PlanStatus.SUBMITTED}, PlanStatus.REJECTED),
}

VISIT_TRANSITIONS = {
    "done": ({VisitStatus.PLANNED, VisitStatus.CANCELLED}, VisitStatus.DONE),
}


def _transition(table: dict, obj, action: str, label: str) -> str:
    sources, target = table[action]
    if obj.status not in sources:
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            f"cannot {action} a {label} that is {obj.status}",
            {"status": obj.status, "action": action},
        )
    return target


def plan_transition(plan, action: str) -> str:
    """Check that `action` is allowed from the plan's state and return the state it leads to."""
    return _transition(PLAN_TRANSITIONS, plan, action, "plan")


def visit_transition(visit, action: str) -> str:
    return _transition(VISIT_TRANSITIONS, visit, action, "visit")
