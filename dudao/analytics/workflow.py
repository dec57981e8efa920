"""A manager review case's states and the only ways between them (DESIGN.md 2.9).

    open --start_review--> in_review --decide--> decided
      |                                   ^
      +--------------decide---------------+

A decided case is final; a unit that keeps failing after a decision gets a new case.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from dudao.core.errors import ApplicationError, ErrorCode

from .choices import ReviewCaseStatus

OPEN, IN_REVIEW, DECIDED = ReviewCaseStatus.OPEN, ReviewCaseStatus.IN_REVIEW, ReviewCaseStatus.DECIDED

TRANSITIONS: dict[str, dict[str, str]] = {
    "start_review": {OPEN: IN_REVIEW},
    "decide": {OPEN: DECIDED, IN_REVIEW: DECIDED},
}

UNDECIDED = (OPEN, IN_REVIEW)


def transition(case, action: str) -> str:
    """Check that `action` is allowed from the case's state; return the state it leads to."""
    moves = TRANSITIONS[action]
    if case.status not in moves:
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            _("评议当前状态为“%(status)s”,不能执行此操作") % {"status": ReviewCaseStatus(case.status).label},
            {"status": case.status, "action": action},
        )
    return moves[case.status]
