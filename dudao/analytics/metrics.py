"""The analytics figures (`GET /api/v1/analytics/summary`): defined once in `dudao.facts.figures`,
re-exported here for the dashboard's modules. Nothing is computed in this module."""

from __future__ import annotations

from dudao.facts.figures import (
    CLOSED_ON_TIME,
    COUNTED_STATUSES,
    findings_created,
    findings_due_decided,
    mean,
    percent,
    planned_visits,
    round1,
    summary,
)
from dudao.facts.figures import counted_inspections as done_inspections

DONE_INSPECTIONS = COUNTED_STATUSES

__all__ = [
    "CLOSED_ON_TIME", "DONE_INSPECTIONS", "done_inspections", "findings_created", "findings_due_decided", "mean",
    "percent", "planned_visits", "round1", "summary",
]
