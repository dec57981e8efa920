from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema


class QuestionIn(Schema):
    """A question: `kind` single | multiple | text; choice questions list their `options`."""

    text: str
    kind: str = "text"
    options: list[str] = []


class SurveyIn(Schema):
    title: str
    period: str
    scope_unit_id: int
    questions: list[QuestionIn | str]


class QuestionOut(Schema):
    text: str
    kind: str
    options: list[str]


class SurveyOut(Schema):
    id: int
    title: str
    period: str
    scope_unit_id: int
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(obj) -> list[dict]:
        from .selectors import survey_questions

        return survey_questions(obj)


class ResponseIn(Schema):
    """One answer per question: an option (single), a list of options (multiple), text, or empty."""

    answers: list[list[str] | str | None]


class ResponseOut(Schema):
    survey_id: int
    person_id: int
    answers: list[list[str] | str]


class OptionCountOut(Schema):
    option: str
    count: int


class ReportQuestionOut(Schema):
    question: str
    kind: str
    options: list[OptionCountOut]
    answered: int
    answers: list[str]
    most_common: list[tuple[str, int]]


class ReportOut(Schema):
    survey_id: int
    title: str
    period: str
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
