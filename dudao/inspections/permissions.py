"""What a person may do with inspections; views and endpoints ask only these."""

from dudao.org.choices import Role

from .choices import InspectionStatus
from .models import INSPECTORS


def can_inspect(actor) -> bool:
    """May start inspections at all (somewhere in their scope)."""
    return bool(actor and actor.is_authenticated and actor.is_active and actor.has_role(*INSPECTORS))


def can_edit_inspection(actor, inspection) -> bool:
    """Answers are given by the inspector who started it, while it is in progress."""
    return inspection.status == InspectionStatus.DRAFT and inspection.inspector_id == actor.pk


def can_acknowledge_inspection(actor, inspection) -> bool:
    """The unit's manager signs a submitted inspection (visibility with the `acknowledge` action is checked
    by the access helper); the inspector never signs their own, and nobody a calibration inspection."""
    return (
        inspection.status == InspectionStatus.SUBMITTED
        and not inspection.calibration
        and inspection.inspector_id != actor.pk
        and actor.has_role(Role.UNIT_MANAGER)
    )
