"""Who reports and answers incidents, complaints and inquiries. The rule: anyone holding a role over
the unit (its staff and manager, the region manager, the supervisor, the operations department,
the executive, administrators) reports one and reads them; the unit's manager, the region
manager, the supervisor, the operations manager and administrators answer them and turn a
complaint into a finding."""

from dudao.core.scoping import actor_covers, is_active_actor

REPORTERS = frozenset({"admin", "executive", "ops_manager", "department_head", "supervisor", "region_manager",
                       "unit_manager", "staff", "hr"})
RESPONDERS = frozenset({"admin", "ops_manager", "supervisor", "region_manager", "unit_manager"})


def can_report(actor, unit) -> bool:
    return (is_active_actor(actor) and unit.organization_id == actor.organization_id
            and actor_covers(actor, REPORTERS, unit.path))


def can_respond(actor, incident) -> bool:
    return is_active_actor(actor) and actor_covers(actor, RESPONDERS, incident.unit.path)
