"""A finding's states and the only ways between them (DESIGN.md 2.6), with who takes each step.

    open --plan--> planned --submit--> submitted --accept--> closed
                      ^  |                 |
                      |  progress          reject (round + 1)
                      +--------------------+
    open | planned | submitted --close_by_reinspection--> closed

Steps that keep the state (progress notes, extension requests and decisions, comments) are listed
too, with the states they are allowed in, so no step is possible from a state the table omits.
Each step names the scope action of the roles that take it (`Finding.scope_roles`); services
check the role through `permissions.py` and the state through `transition()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from dudao.core.errors import ApplicationError, ErrorCode

from .choices import FindingStatus

OPEN, PLANNED, SUBMITTED, CLOSED = (
    FindingStatus.OPEN, FindingStatus.PLANNED, FindingStatus.SUBMITTED, FindingStatus.CLOSED,
)


@dataclass(frozen=True)
class Step:
    moves: dict[str, str]
    """source state -> the state the step leads to."""
    taken_by: str
    """The scope action (`Finding.scope_roles`) whose roles take the step."""


TRANSITIONS: dict[str, Step] = {
    "plan": Step({OPEN: PLANNED}, "rectify"),
    "progress": Step({PLANNED: PLANNED}, "rectify"),
    "submit": Step({PLANNED: SUBMITTED}, "rectify"),
    "accept": Step({SUBMITTED: CLOSED}, "verify"),
    "reject": Step({SUBMITTED: PLANNED}, "verify"),
    "close_by_reinspection": Step({OPEN: CLOSED, PLANNED: CLOSED, SUBMITTED: CLOSED}, "verify"),
    "request_extension": Step({OPEN: OPEN, PLANNED: PLANNED}, "rectify"),
    "decide_extension": Step({OPEN: OPEN, PLANNED: PLANNED, SUBMITTED: SUBMITTED}, "verify"),
    "comment": Step({OPEN: OPEN, PLANNED: PLANNED, SUBMITTED: SUBMITTED, CLOSED: CLOSED}, "view"),
}


def transition(finding, action: str) -> str:
    """Check that `action` is allowed from the finding's state; return the state it leads to."""
    step = TRANSITIONS[action]
    if finding.status not in step.moves:
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            _("问题当前状态为“%(status)s”,不能执行此操作") % {"status": FindingStatus(finding.status).label},
            {"status": finding.status, "action": action},
        )
    return step.moves[finding.status]
