from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema


class SurveyIn(Schema):
    title: str
    period: str
    scope_unit_id: int
    questions: list[str]


class SurveyOut(Schema):
    id: int
    title: str
    period: str
    scope_unit_id: int
    questions: list[str]


class ResponseIn(Schema):
    answers: list[str | None]


class ResponseOut(Schema):
    survey_id: int
    person_id: int
    answers: list[str]


class ReportQuestionOut(Schema):
    question: str
    answers: list[str]
    most_common: list[tuple[str, int]]


class ReportOut(Schema):
    survey_id: int
    title: str
    responses: int
    questions: list[ReportQuestionOut]


class ProposalOut(Schema):
    item_code: str
    text: str
    count: int
    failures: int
    unit_ids: list[int]
    roles: list[str]


class SessionIn(Schema):
    title: str
    scope_unit_id: int
    starts_at: dt.datetime
    trainer_id: int
    invitee_ids: list[int]
    item_codes: list[str] = []


class InviteeOut(Schema):
    person_id: int
    attended: bool | None
    test_score: Decimal | None
    passed: bool | None


class SessionOut(Schema):
    id: int
    title: str
    scope_unit_id: int
    starts_at: dt.datetime
    trainer_id: int
    item_codes: list[str]
    invitees: list[InviteeOut]

    @staticmethod
    def resolve_invitees(obj) -> list:
        return list(obj.invitees.order_by("person_id"))


class AttendanceIn(Schema):
    person_id: int
    attended: bool | None = None
    test_score: Decimal | str | None = None
