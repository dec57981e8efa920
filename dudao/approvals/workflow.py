"""A request's and a step's states and the only transitions between them."""

from dudao.core.errors import ApplicationError, ErrorCode

from .choices import ApprovalStatus, StepStatus

REQUEST_TRANSITIONS = {
    "approve": (ApprovalStatus.PENDING, ApprovalStatus.APPROVED),
    "reject": (ApprovalStatus.PENDING, ApprovalStatus.REJECTED),
}

STEP_TRANSITIONS = {
    "activate": (StepStatus.WAITING, StepStatus.PENDING),
    "approve": (StepStatus.PENDING, StepStatus.APPROVED),
    "reject": (StepStatus.PENDING, StepStatus.REJECTED),
    # Steps after a rejection are never reached.
    "skip": (StepStatus.WAITING, StepStatus.SKIPPED),
}


def _transition(table: dict, obj, action: str, label: str) -> str:
    source, target = table[action]
    if obj.status != source:
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            f"cannot {action} {label} that is {obj.status}",
            {"status": obj.status, "action": action},
        )
    return target


def request_transition(request, action: str) -> str:
    """Check that `action` is allowed from the request's state and return the state it leads to."""
    return _transition(REQUEST_TRANSITIONS, request, action, "an approval request")


def step_transition(step, action: str) -> str:
    """Check that `action` is allowed from the step's state and return the state it leads to."""
    return _transition(STEP_TRANSITIONS, step, action, "an approval step")
