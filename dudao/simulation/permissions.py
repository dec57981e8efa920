"""Who may replay a past period under a draft policy; views and endpoints ask only this."""

from dudao.core.scoping import is_active_actor
from dudao.org.choices import Role

# Admins edit the policy; ops managers run the evaluation and the appraisal cycles, so they may see
# what a change would do before they ask an admin to save it. Saving stays admin-only.
SIMULATORS = (Role.ADMIN, Role.OPS_MANAGER)


def can_simulate_policy(actor) -> bool:
    """Admins and ops managers of the organisation (the whole organisation is replayed)."""
    return is_active_actor(actor) and actor.has_role(*SIMULATORS)
