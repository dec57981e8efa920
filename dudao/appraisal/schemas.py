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
