"""The second inspector's access to the unit of a calibration visit, granted to inspections
through `dudao.inspections.registry` (see apps.py): only for their own open calibration visit
(or, once made, the inspection they made for it), never for anything else of that unit."""

from __future__ import annotations

from .choices import PairStatus
from .models import CalibrationPair


def granted_visits(actor):
    """Ids of the calibration visits given to `actor` (a subquery)."""
    return CalibrationPair.objects.filter(
        organization_id=actor.organization_id, second_supervisor_id=actor.pk, second_visit__isnull=False
    ).values("second_visit_id")


def may_inspect(actor, visit) -> bool:
    """`actor` is the second supervisor of an open pair whose visit this is."""
    return CalibrationPair.objects.filter(
        organization_id=actor.organization_id, second_supervisor_id=actor.pk, second_visit_id=visit.pk,
        status=PairStatus.SCHEDULED,
    ).exists()
