"""Who records, confirms and reads violations. The rule: a violation is recorded by someone who
manages the party's unit (its manager, the region manager, the supervisor, the operations manager,
HR or an administrator), who is its handler; it is confirmed by exactly three people, the party,
the witness and the handler; it is read by those managers over the unit, the executive, and by
the party and the witness themselves."""

from dudao.core.scoping import actor_covers, is_active_actor

HANDLERS = frozenset({"admin", "ops_manager", "hr", "supervisor", "region_manager", "unit_manager"})
LEDGER_READERS = HANDLERS | {"executive"}


def can_view_ledger(actor) -> bool:
    """May open the unit ledger (the navigation asks this)."""
    return is_active_actor(actor) and actor.has_role(*LEDGER_READERS)


def can_record_violation(actor, unit) -> bool:
    return (is_active_actor(actor) and unit.organization_id == actor.organization_id
            and actor_covers(actor, HANDLERS, unit.path))


def can_read_discipline_of(actor, person, units) -> bool:
    """A person's record: themself, or a ledger reader over one of the units they hold a role on."""
    if not is_active_actor(actor) or person.organization_id != actor.organization_id:
        return False
    if person.pk == actor.pk:
        return True
    return any(actor_covers(actor, LEDGER_READERS, unit.path) for unit in units)
