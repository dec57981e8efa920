from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema


class ViolationIn(Schema):
    person_id: int
    unit_id: int
    kind: str
    occurred_at: dt.datetime
    description: str = ""
    witness_id: int
    card: str | None = None
    fine: Decimal | str | None = None
    attachment_ids: list[int] = []
    client_id: str = ""


class ConfirmedOut(Schema):
    party: bool
    witness: bool
    handler: bool


class ViolationOut(Schema):
    id: int
    person_id: int
    person_name: str
    unit_id: int
    kind: str
    occurred_at: dt.datetime
    description: str
    witness_id: int
    handler_id: int
    card: str | None
    fine: Decimal
    deducts_day_pay: bool
    status: str
    confirmed: ConfirmedOut
    appeal_id: int | None
    attachment_ids: list[int]

    @staticmethod
    def resolve_person_name(obj) -> str:
        return obj.person.display_name

    @staticmethod
    def resolve_card(obj) -> str | None:
        return obj.card or None

    @staticmethod
    def resolve_confirmed(obj) -> dict:
        return obj.confirmations()

    @staticmethod
    def resolve_attachment_ids(obj) -> list[int]:
        return sorted(a.pk for a in obj.attachments.all())


class CardsOut(Schema):
    blue: int
    yellow: int
    red: int


class DisciplineOut(Schema):
    person_id: int
    year: int
    late: int
    early_leave: int
    absence: int
    absence_from_lates: int
    penalties: int
    fines_total: Decimal
    cards: CardsOut
    year_end_bonus_forfeited: bool
    reasons: list[str]


class AppealIn(Schema):
    reason: str


class AppealOut(Schema):
    id: int
    status: str
    approval_id: int
