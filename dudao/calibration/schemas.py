from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class CalibrationQuery(Schema):
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")


class PeriodOut(Schema):
    start: dt.date
    end: dt.date


class SupervisorOut(Schema):
    person_id: int
    name: str
    inspections: int  # completed pairs with both scores, the drift's n
    pairs: int  # every pair of the period in which they inspected first
    drift: Decimal | None
    ci_low: Decimal | None
    ci_high: Decimal | None
    flagged: bool


class ItemOut(Schema):
    item_id: int
    code: str
    text: str
    pairs: int
    agreement: Decimal | None
    kappa: Decimal | None
    kappa_count: int


class CalibrationOut(Schema):
    period: PeriodOut
    pairs: int  # completed pairs
    pairs_by_status: dict[str, int]
    agreement: Decimal | None
    kappa: Decimal | None
    kappa_count: int
    drift_threshold: Decimal
    min_pairs: int
    supervisors: list[SupervisorOut]
    items: list[ItemOut]
