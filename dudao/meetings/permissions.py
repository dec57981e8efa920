"""Who holds and reads operations meetings. The rule: the administrators, the executive, the
operations manager and the department head hold meetings over the whole organisation (the
department works from the operations center, outside the regions); a region manager holds them
over their region. Attendees and the owners of the meeting's actions read it; an action is marked
done by its owner or by the meeting's creator."""

from dudao.core.scoping import actor_covers, is_active_actor

ORG_WIDE_ORGANISERS = frozenset({"admin", "executive", "ops_manager", "department_head"})
REGIONAL_ORGANISERS = frozenset({"region_manager"})
ORGANISERS = ORG_WIDE_ORGANISERS | REGIONAL_ORGANISERS


def can_hold_meetings(actor) -> bool:
    """Holds meetings somewhere (the list's "new meeting" button, the navigation)."""
    return is_active_actor(actor) and actor.has_role(*ORGANISERS)


def can_hold_meeting_over(actor, unit) -> bool:
    if not is_active_actor(actor) or unit is None or unit.organization_id != actor.organization_id:
        return False
    return actor.has_role(*ORG_WIDE_ORGANISERS) or actor_covers(actor, REGIONAL_ORGANISERS, unit.path)


def can_edit_meeting(actor, meeting) -> bool:
    """Minutes, actions and closing: whoever may hold a meeting over its scope."""
    return can_hold_meeting_over(actor, meeting.scope_unit)


def can_complete_action(actor, action) -> bool:
    return is_active_actor(actor) and actor.pk in (action.owner_id, action.meeting.created_by_id)
