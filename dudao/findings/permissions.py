"""Who may do what with a finding; services, views, endpoints and templates ask only these.

The unit side (the unit's manager) plans, reports progress, submits evidence and asks for more
time; a supervisor in scope (or an ops manager or admin) accepts or rejects; nobody accepts the work
of a unit they manage themselves. Extensions are decided in the approval engine, whose permissions
say who decides (`approvals.permissions.can_decide_approval`).
"""

from __future__ import annotations

from dudao.core.scoping import actor_covers, in_org, is_active_actor

from .choices import FindingSource
from .models import FINDING_READERS, RECTIFIERS, REPORTERS, VERIFIERS
from .workflow import FINDING


def manages_unit(actor, finding) -> bool:
    """The actor is a unit manager of the finding's unit (or above it): its work is their own."""
    return actor_covers(actor, RECTIFIERS, finding.unit.path)


def can_view_finding(actor, finding) -> bool:
    return in_org(actor, finding) and (
        actor_covers(actor, FINDING_READERS, finding.unit.path)
        or actor.pk in {finding.owner_id, finding.responsible_person_id}
    )


def can_rectify_finding(actor, finding) -> bool:
    """Plan, report progress, submit evidence, ask for an extension: the unit's manager in scope."""
    return in_org(actor, finding) and actor_covers(actor, RECTIFIERS, finding.unit.path)


def can_verify_finding(actor, finding) -> bool:
    """Accept or reject, or close by re-inspection: a supervisor (ops manager, admin) in scope who
    does not manage the unit."""
    return (
        in_org(actor, finding)
        and actor_covers(actor, VERIFIERS, finding.unit.path)
        and not manages_unit(actor, finding)
    )


def can_comment_finding(actor, finding) -> bool:
    return can_view_finding(actor, finding)


def can_create_finding(actor, unit, source: str) -> bool:
    """Supervisors, ops managers, admins and region managers record findings in their scope; a unit's
    manager reports their own unit's problems (self-report)."""
    if not is_active_actor(actor) or unit.organization_id != actor.organization_id:
        return False
    roles = REPORTERS | RECTIFIERS if source == FindingSource.SELF_REPORT else REPORTERS
    return actor_covers(actor, roles, unit.path)


def can_create_findings(actor) -> bool:
    """May record findings by hand somewhere (the navigation and the create button ask this)."""
    return is_active_actor(actor) and actor.has_role(*(REPORTERS | RECTIFIERS))


def can_review_findings(actor) -> bool:
    """Accepts rectification somewhere (the review queue and "awaiting my acceptance" are for them)."""
    return is_active_actor(actor) and actor.has_role(*VERIFIERS)


def can_export_findings(actor) -> bool:
    """Anyone signed in exports what they see (the rows are scoped like the list)."""
    return is_active_actor(actor)


PREDICATES = {
    "rectify": can_rectify_finding,
    "verify": can_verify_finding,
    "view": can_view_finding,
}


def may_take(actor, finding, action: str) -> bool:
    """Whether `actor` may take `action` on `finding` now: the state allows it and the role does."""
    return FINDING.allowed(finding, action) and PREDICATES[FINDING[action].taken_by](actor, finding)
