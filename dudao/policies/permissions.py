"""Who may see and change an organisation's policy; views and endpoints ask only these."""

from dudao.org.choices import Role


def _is_admin_of(actor, organization) -> bool:
    if not (actor and actor.is_authenticated and actor.is_active and actor.has_role(Role.ADMIN)):
        return False
    return organization is None or actor.organization_id == organization.pk


def can_view_policy(actor, organization=None) -> bool:
    """Admins of the organisation (of their own organisation when none is named)."""
    return _is_admin_of(actor, organization)


def can_edit_policy(actor, organization=None) -> bool:
    return _is_admin_of(actor, organization)
