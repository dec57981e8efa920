"""Who may see and change an organisation's policy; views and endpoints ask only these.

The administrator and the operations manager (运营经理, who owns the supervision rules the policy
states) govern the policy: they read it, simulate a draft (dudao.simulation) and save a version.
"""

from dudao.org.choices import Role

GOVERNING_ROLES = (Role.ADMIN, Role.OPS_MANAGER)


def _governs(actor, organization) -> bool:
    if not (actor and actor.is_authenticated and actor.is_active):
        return False
    if not any(actor.has_role(role) for role in GOVERNING_ROLES):
        return False
    return organization is None or actor.organization_id == organization.pk


def can_view_policy(actor, organization=None) -> bool:
    """Admins and ops managers of the organisation (of their own organisation when none is named)."""
    return _governs(actor, organization)


def can_edit_policy(actor, organization=None) -> bool:
    return _governs(actor, organization)
