"""API shapes of the policy simulation (DESIGN.md section 5: `POST /api/v1/policy/simulate`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class SimulateIn(Schema):
    overrides: Any = Field(default_factory=dict)
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")


class ChangeOut(Schema):
    subject_type: str
    subject_id: int
    subject_name: str
    metric: str
    before: Any = None
    after: Any = None
    month: str | None = None


class SimulateOut(Schema):
    changes: list[ChangeOut]
    summary: dict[str, Any]
