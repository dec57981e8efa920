from __future__ import annotations

import datetime as dt

from ninja import Schema


class IncidentIn(Schema):
    unit_id: int
    kind: str
    severity: str = "minor"
    occurred_at: dt.datetime
    description: str
    quality: bool = False
    client_id: str = ""


class RespondIn(Schema):
    note: str


class FindingIn(Schema):
    category: str
    severity: str = "medium"


class IncidentOut(Schema):
    id: int
    unit_id: int
    kind: str
    severity: str
    quality: bool
    occurred_at: dt.datetime
    reported_at: dt.datetime
    description: str
    due_at: dt.datetime | None
    on_site_due_at: dt.datetime | None
    late: bool
    status: str
    response: str
    responded_at: dt.datetime | None
    finding_id: int | None

    @staticmethod
    def resolve_late(obj) -> bool:
        return obj.is_late()
