from __future__ import annotations

import datetime as dt

from ninja import Schema


class ReportIn(Schema):
    quarter: str
    scope_unit_id: int


class RowIn(Schema):
    ability: str
    post: str
    pay: str
    comment: str = ""


class RowOut(Schema):
    id: int
    person_id: int
    username: str
    display_name: str
    units: list[dict]
    figures: dict
    suggested: dict
    reasons: dict
    ability: str
    post: str
    pay: str
    comment: str

    @staticmethod
    def resolve_username(obj) -> str:
        return obj.person.username

    @staticmethod
    def resolve_display_name(obj) -> str:
        return obj.person.display_name

    @staticmethod
    def resolve_suggested(obj) -> dict:
        return {"ability": obj.suggested_ability, "post": obj.suggested_post, "pay": obj.suggested_pay}


class ReportSummaryOut(Schema):
    id: int
    quarter: str
    scope_unit_id: int
    status: str
    provisional: bool
    created_at: dt.datetime
    published_at: dt.datetime | None


class ReportOut(ReportSummaryOut):
    rules: dict
    rows: list[RowOut]
