from __future__ import annotations

from decimal import Decimal

from ninja import Schema
from pydantic import Field


class SubjectOut(Schema):
    kind: str
    id: int
    name: str
    code: str


def subject_of(obj) -> dict:
    if obj.person_id:
        return {"kind": "person", "id": obj.person_id, "name": obj.person.display_name, "code": obj.person.username}
    return {"kind": "unit", "id": obj.unit_id, "name": obj.unit.name, "code": obj.unit.code}


class KpiValueOut(Schema):
    id: int
    subject: SubjectOut
    kpi_code: str
    period: str
    value: Decimal
    source: str
    verified: bool
    discrepancy: Decimal | None
    finding_id: int | None

    @staticmethod
    def resolve_subject(obj) -> dict:
        return subject_of(obj)


class KpiValueListOut(Schema):
    items: list[KpiValueOut]
    count: int


class TargetIn(Schema):
    username: str | None = None
    unit_id: int | None = None
    kpi_code: str
    period: str
    value: Decimal = Field(max_digits=20, decimal_places=4)
    reason: str = ""


class TargetOut(Schema):
    id: int
    subject: SubjectOut
    kpi_code: str
    period: str
    value: Decimal
    status: str
    approval_id: int | None

    @staticmethod
    def resolve_subject(obj) -> dict:
        return subject_of(obj)


# --- appraisal cycles ------------------------------------------------------------------------------
class CycleIn(Schema):
    role: str
    period: str
    scope_unit_id: int
    kind: str = "regular"
    person_ids: list[int] | None = None


class CycleOut(Schema):
    id: int
    role: str
    period: str
    kind: str
    scope_unit_id: int
    status: str
    due_on: str | None
    approval_id: int | None
    appraisal_ids: list[int]

    @staticmethod
    def resolve_due_on(obj) -> str | None:
        return obj.due_on.isoformat() if obj.due_on else None

    @staticmethod
    def resolve_appraisal_ids(obj) -> list[int]:
        return sorted(a.pk for a in obj.appraisals.all())


class KpiLineOut(Schema):
    code: str
    name: str
    weight: Decimal
    source: str
    value: Decimal | None
    target: Decimal | None
    score: Decimal | None
    status: str
    applied_weight: Decimal | None
    explanation: str


class BonusOut(Schema):
    base: Decimal | None
    factor: Decimal | None
    prorated: bool
    proration: Decimal | None
    forfeited: bool
    reasons: list[str]
    amount: Decimal | None


class AppraisalOut(Schema):
    id: int
    cycle_id: int
    person_id: int
    username: str
    display_name: str
    period: str
    role: str
    status: str
    kpi_score: Decimal | None
    adjustment: Decimal
    score: Decimal | None
    rank: int | None
    kpis: list[KpiLineOut]
    bonus: BonusOut


class ManualScoreIn(Schema):
    kpi_code: str
    score: Decimal | str | None = None
    note: str = ""


# --- the results flow: submission and appeals ------------------------------------------------------
class CycleSubmitOut(Schema):
    id: int
    status: str
    approval_id: int


class AppealIn(Schema):
    reason: str = ""


class AppealOut(Schema):
    id: int
    status: str
    approval_id: int
