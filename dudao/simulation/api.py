"""`POST /api/v1/policy/simulate`: a past period replayed under a draft policy, nothing written.

Mounted as a second router on `/policy` (the policy app owns the other one)."""

from __future__ import annotations

from ninja import Router

from dudao.core.api import actor_of
from dudao.core.errors import ApplicationError, ErrorCode

from .permissions import can_simulate_policy
from .replay import simulate
from .schemas import SimulateIn, SimulateOut

router = Router(tags=["policy"])


@router.post("/simulate", response=SimulateOut)
def policy_simulate(request, payload: SimulateIn):
    """Replay `from`..`to` (past days, at most a year; default the last complete month) under the
    pack with `overrides` (the complete set, as `POST /policy/versions` takes it) beside the policy
    in force, and list what changes: inspections passing, findings' due dates and overdue counts,
    the monthly evaluation (scores, ranks, key targets) and appraisal bonuses, with totals in
    `summary`. Unknown keys and bad values are refused with 422 naming them. Nothing is written.
    Admins and ops managers (saving a version stays with admins)."""
    actor = actor_of(request)
    if not can_simulate_policy(actor):
        raise ApplicationError(ErrorCode.NOT_FOUND, "Not found")
    return simulate(actor=actor, overrides=payload.overrides, date_from=payload.date_from, date_to=payload.date_to)
