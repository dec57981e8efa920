"""Who may read analytics, run the monthly evaluation and decide manager reviews; views, endpoints
and templates ask only these."""

from __future__ import annotations

from dudao.core.scoping import actor_covers, is_active_actor

from .models import ANALYTICS_READERS, EVALUATION_RUNNERS, REVIEW_DECIDERS, REVIEW_READERS
from .workflow import REVIEW_CASE


def can_view_analytics(actor) -> bool:
    """Reads the dashboard and evaluations somewhere (each figure is limited to the actor's scope)."""
    return is_active_actor(actor) and actor.has_role(*ANALYTICS_READERS)


def can_view_analytics_of(actor, unit) -> bool:
    """Reads the figures of `unit`'s subtree."""
    return (
        is_active_actor(actor) and unit.organization_id == actor.organization_id
        and actor_covers(actor, ANALYTICS_READERS, unit.path)
    )


def can_run_evaluation(actor) -> bool:
    """Runs (or re-runs) a month's evaluation of the whole organisation: an admin or an ops manager."""
    return is_active_actor(actor) and actor.has_role(*EVALUATION_RUNNERS)


def can_view_review_cases(actor) -> bool:
    return is_active_actor(actor) and actor.has_role(*REVIEW_READERS)


def can_view_review_case(actor, case) -> bool:
    return (
        is_active_actor(actor) and case.organization_id == actor.organization_id
        and actor_covers(actor, REVIEW_READERS, case.unit.path)
        and case.manager_id != actor.pk
    )


def can_review_case(actor, case) -> bool:
    """Takes part in deciding the case: the superior line or HR in scope; never the reviewed manager."""
    return (
        is_active_actor(actor) and case.organization_id == actor.organization_id
        and actor_covers(actor, REVIEW_DECIDERS, case.unit.path)
        and case.manager_id != actor.pk
    )


def can_start_review_case(actor, case) -> bool:
    return can_review_case(actor, case) and REVIEW_CASE.allowed(case, "start_review")


def can_decide_review_case(actor, case) -> bool:
    return can_review_case(actor, case) and REVIEW_CASE.allowed(case, "decide")
