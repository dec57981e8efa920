"""Who may read calibration; views, endpoints and templates ask only these."""

from __future__ import annotations

from dudao.core.scoping import actor_covers, is_active_actor

from .models import CALIBRATION_READERS, ORGANISATION_READERS


def can_view_calibration(actor) -> bool:
    """Reads calibration somewhere: an admin or an ops manager (the organisation), a region manager
    (their region). Supervisors and everyone else do not: the second inspections are blind."""
    return is_active_actor(actor) and actor.has_role(*CALIBRATION_READERS)


def can_view_pair(actor, pair) -> bool:
    return (
        is_active_actor(actor) and pair.organization_id == actor.organization_id
        and (actor.has_role(*ORGANISATION_READERS) or actor_covers(actor, CALIBRATION_READERS, pair.unit.path))
    )
