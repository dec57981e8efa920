"""The inspection's states and the only transitions between them."""

from dudao.core.errors import ApplicationError, ErrorCode

from .choices import InspectionStatus

TRANSITIONS = {
    "submit": (InspectionStatus.DRAFT, InspectionStatus.SUBMITTED),
    "acknowledge": (InspectionStatus.SUBMITTED, InspectionStatus.ACKNOWLEDGED),
}


def transition(inspection, action: str) -> str:
    """Check that `action` is allowed from the inspection's state and return the state it leads to."""
    source, target = TRANSITIONS[action]
    if inspection.status != source:
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            f"cannot {action} an inspection that is {inspection.status}",
            {"status": inspection.status, "action": action},
        )
    return target
