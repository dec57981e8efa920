"""What a person may do with approval requests; views, endpoints and templates ask only these."""

from __future__ import annotations

from dudao.core.scoping import actor_covers, is_active_actor

from .workflow import REQUEST


def can_request_approval(actor, unit=None) -> bool:
    """Anyone holding a role may ask for approval on behalf of a unit their role covers."""
    if not is_active_actor(actor) or not actor.roles():
        return False
    if unit is None:
        return True
    return actor_covers(actor, None, unit.path) and unit.organization_id == actor.organization_id


def can_decide_approval(actor, request) -> bool:
    """Only a holder of the current step's role over the requesting unit, never the requester, and
    under four eyes (policy) nobody who decided an earlier step of the same request."""
    from django.utils import timezone

    from .routing import next_approvers

    if not is_active_actor(actor) or request.organization_id != actor.organization_id:
        return False
    if not REQUEST.allowed(request, "approve") or request.requester_id == actor.pk:
        return False
    step = request.current_step()
    if step is None:
        return False
    decided = [s.decided_by_id for s in request.steps_in_order() if s.position < step.position]
    approvers = next_approvers(role=step.role, unit=request.unit, requester=request.requester_id, decided=decided,
                               on=timezone.localdate(request.created_at))
    return any(person.pk == actor.pk for person in approvers)
