"""What the findings API reads and answers with (DESIGN.md section 5)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import AliasPath, BaseModel, ConfigDict, Field

from dudao.policies.choices import Severity

from .choices import ExtensionDecision, FindingSource, FindingStatus, SavedView


class FindingQuery(Schema):
    unit_id: int | None = None
    status: FindingStatus | None = None
    severity: Severity | None = None
    overdue: bool | None = None
    repeat: bool | None = None
    source: FindingSource | None = None
    view: SavedView | None = None


class FindingIn(Schema):
    unit_id: int
    source: FindingSource
    title: str = Field(min_length=1, max_length=300)
    description: str = Field("", max_length=4000)
    category: str = Field(max_length=50)
    severity: Severity = Severity.MEDIUM
    responsible_person_id: int | None = None
    item_code: str = Field("", max_length=50)
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)
    # The phone's own id for this finding: a retry with it answers the first finding (200).
    client_id: str = Field("", max_length=64)


class PlanIn(Schema):
    measures: str = Field(min_length=1, max_length=4000)
    owner_id: int | None = None
    due_date: dt.date | None = None


class NoteIn(Schema):
    note: str = Field("", max_length=4000)
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)
    # The phone's own id for this step: a retry with it answers as the first call did (200), and
    # the same id with another note or other photos is a 409 naming `client_id`.
    client_id: str = Field("", max_length=64)


class AcceptIn(Schema):
    note: str = Field("", max_length=4000)


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=4000)


class ExtensionIn(Schema):
    due_date: dt.date
    reason: str = Field(min_length=1, max_length=4000)
    # The phone's own id for this request: a retry with it answers the first request (200).
    client_id: str = Field("", max_length=64)


class ExtensionDecideIn(Schema):
    decision: ExtensionDecision
    comment: str = Field("", max_length=4000)


class _FindingFields(BaseModel):
    """The fields of a finding every answer carries (one list, for the list row and the detail)."""

    id: int
    title: str
    description: str
    category: str
    severity: str
    unit_id: int
    unit_name: str
    source: str
    inspection_id: int | None
    answer_id: int | None
    item_code: str
    responsible_person_id: int | None
    owner_id: int | None
    measures: str
    status: FindingStatus
    round: int
    due_date: dt.date
    policy_due_date: dt.date
    overdue: bool
    escalation_level: int
    repeat: bool
    repeat_of_id: int | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    closed_at: dt.datetime | None
    closed_by_inspection_id: int | None


class FindingOut(Schema, _FindingFields):
    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name


class FindingRow(_FindingFields):
    """A list row: the fields of `FindingOut`, read straight from the model's attributes by pydantic
    (ninja's Schema wraps every object and reads field by field in Python, which costs most of a
    1,000-row page)."""

    model_config = ConfigDict(from_attributes=True)

    unit_name: str = Field(validation_alias=AliasPath("unit", "name"))


class EventOut(Schema):
    id: int
    kind: str
    actor_id: int | None
    at: dt.datetime
    note: str
    round: int
    data: dict
    attachment_ids: list[int]

    @staticmethod
    def resolve_attachment_ids(obj) -> list[int]:
        return [a.pk for a in obj.attachments.all()]


class ExtensionOut(Schema):
    id: int
    finding_id: int
    status: str
    requested_by_id: int
    requested_at: dt.datetime
    previous_due_date: dt.date
    requested_due_date: dt.date
    reason: str
    decided_by_id: int | None
    decided_at: dt.datetime | None
    decision_note: str
    approval_id: int | None


class FindingDetailOut(FindingOut):
    evidence_ids: list[int]
    events: list[EventOut]
    extensions: list[ExtensionOut]

    @staticmethod
    def resolve_evidence_ids(obj) -> list[int]:
        return [a.pk for a in obj.evidence.all()]

    @staticmethod
    def resolve_events(obj) -> list:
        return list(obj.events.all())

    @staticmethod
    def resolve_extensions(obj) -> list:
        return list(obj.extensions.all())
