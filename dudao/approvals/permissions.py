"""What a person may do with approval requests; views, endpoints and templates ask only these."""

from __future__ import annotations

from dudao.core.scoping import actor_covers, is_active_actor

from .choices import ApprovalStatus


def can_request_approval(actor, unit=None) -> bool:
    """Anyone holding a role may ask for approval on behalf of a unit their role covers."""
    if not is_active_actor(actor) or not actor.roles():
        return False
    if unit is None:
        return True
    return actor_covers(actor, None, unit.path) and unit.organization_id == actor.organization_id


def can_decide_approval(actor, request) -> bool:
    """Only a holder of the current step's role over the requesting unit, never the requester."""
    from .routing import approvers_for

    if not is_active_actor(actor) or request.organization_id != actor.organization_id:
        return False
    if request.status != ApprovalStatus.PENDING or request.requester_id == actor.pk:
        return False
    step = request.current_step()
    if step is None:
        return False
    approvers = approvers_for(role=step.role, unit=request.unit, exclude=[request.requester])
    return any(person.pk == actor.pk for person in approvers)
