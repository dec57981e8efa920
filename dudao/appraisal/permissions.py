"""Who sees and sets appraisal data. The rule: appraisal data (figures, targets, attendance, bonus
bases) is seen by those who run appraisals, the administrators, the executive, ops managers and
HR, within their part of the tree; it is set by administrators, ops managers and HR. Files are
imported through the one import engine, whose own rule (administrators) applies."""

from dudao.core.scoping import actor_covers, is_active_actor

APPRAISAL_VIEWERS = frozenset({"admin", "executive", "ops_manager", "hr"})
APPRAISAL_MANAGERS = frozenset({"admin", "ops_manager", "hr"})
# Appraisal results (cycles, scores, bonuses) are also seen by finance, who pays them (DESIGN.md 1).
RESULT_VIEWERS = APPRAISAL_VIEWERS | {"finance"}


def can_view_appraisal_data(actor) -> bool:
    """May open the KPI-value and target pages (the navigation asks this)."""
    return is_active_actor(actor) and actor.has_role(*APPRAISAL_VIEWERS)


def can_set_targets(actor) -> bool:
    return is_active_actor(actor) and actor.has_role(*APPRAISAL_MANAGERS)


def can_set_target_for(actor, scope_unit) -> bool:
    """Sets a target for a subject whose unit lies in the actor's subtree (a person without a role
    unit only by the organisation-wide roles)."""
    if not can_set_targets(actor):
        return False
    if scope_unit is None:
        return actor.scope_paths(APPRAISAL_MANAGERS) == "*"
    return scope_unit.organization_id == actor.organization_id and actor_covers(actor, APPRAISAL_MANAGERS, scope_unit.path)


def can_view_results(actor) -> bool:
    """May open the appraisal cycles (the navigation asks this); everyone may open their own."""
    return is_active_actor(actor) and actor.has_role(*RESULT_VIEWERS)


def can_run_cycles(actor) -> bool:
    return is_active_actor(actor) and actor.has_role(*APPRAISAL_MANAGERS)


def can_run_cycle_over(actor, scope_unit) -> bool:
    """Starts, computes and scores a cycle whose scope lies in the actor's subtree."""
    return (can_run_cycles(actor) and scope_unit.organization_id == actor.organization_id
            and actor_covers(actor, APPRAISAL_MANAGERS, scope_unit.path))


def can_submit_cycle(actor, cycle) -> bool:
    """Sends a cycle's results into the approval flow: whoever may run it over its scope."""
    return can_run_cycle_over(actor, cycle.scope_unit)


def can_appeal_appraisal(actor, appraisal) -> bool:
    """Only the appraised person appeals their own appraisal (复议)."""
    return is_active_actor(actor) and appraisal.person_id == actor.pk
