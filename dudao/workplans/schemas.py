from __future__ import annotations

import datetime as dt

from ninja import Schema


class ItemIn(Schema):
    title: str
    due_date: dt.date | None = None


class WorkPlanIn(Schema):
    period_kind: str
    period_start: dt.date
    items: list[ItemIn]


class SummaryItemIn(Schema):
    id: int
    done: bool | None = None
    reason: str = ""


class SummaryIn(Schema):
    items: list[SummaryItemIn]
    note: str = ""


class ItemOut(Schema):
    id: int
    position: int
    title: str
    due_date: dt.date | None
    done: bool | None
    reason: str


class WorkPlanOut(Schema):
    id: int
    owner_id: int
    owner_name: str
    period_kind: str
    period_start: dt.date
    period_end: dt.date
    status: str
    summary_note: str
    items: list[ItemOut]

    @staticmethod
    def resolve_owner_name(obj) -> str:
        return obj.owner.display_name

    @staticmethod
    def resolve_items(obj) -> list:
        return list(obj.items.all())
