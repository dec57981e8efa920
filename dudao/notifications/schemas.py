from __future__ import annotations

import datetime as dt

from ninja import Schema


class NotificationOut(Schema):
    """An inbox entry as DESIGN.md section 5 gives it."""

    id: int
    kind: str
    title: str
    object_type: str
    object_id: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationDetailOut(NotificationOut):
    body: str
    url: str


class ReadAllOut(Schema):
    count: int
