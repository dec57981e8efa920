from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import AliasPath, BaseModel, ConfigDict, Field

from .choices import InspectionMode


class InspectionIn(Schema):
    unit_id: int | None = None
    template_id: int | None = None
    mode: InspectionMode = InspectionMode.ON_SITE
    visit_id: int | None = None
    client_id: str | None = Field(None, max_length=64)
    performed_at: dt.datetime | None = None
    latitude: Decimal | None = Field(None, ge=-90, le=90, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, decimal_places=6)
    location_accuracy_m: float | None = Field(None, ge=0)
    location_reason: str = Field("", max_length=500)
    opening_notes: str = Field("", max_length=5000)


class InspectionPatch(Schema):
    opening_notes: str | None = Field(None, max_length=5000)
    interview_notes: str | None = Field(None, max_length=20000)
    figures: dict[str, Any] | None = None
    latitude: Decimal | None = Field(None, ge=-90, le=90, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, decimal_places=6)
    location_accuracy_m: float | None = Field(None, ge=0)
    location_reason: str | None = Field(None, max_length=500)
    onsite_signature_id: int | None = None
    onsite_signer_name: str | None = Field(None, max_length=60)
    onsite_signed_at: dt.datetime | None = None


class AnswerIn(Schema):
    item_code: str = Field(min_length=1, max_length=50)
    value: Any = None
    note: str = Field("", max_length=5000)
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)


class _AnswerFields(BaseModel):
    """The fields of an answer every answer carries (one list, for the batch and the correction)."""

    id: int
    item_id: int
    item_code: str
    value: Any
    note: str
    attachment_ids: list[int]
    earned: Decimal | None
    possible: Decimal | None
    failed: bool
    answered_at: dt.datetime
    corrects_id: int | None
    is_current: bool


class AnswerOut(Schema, _AnswerFields):
    @staticmethod
    def resolve_item_code(obj) -> str:
        return obj.item.code

    @staticmethod
    def resolve_attachment_ids(obj) -> list[int]:
        return [a.pk for a in obj.attachments.all()]


class AnswerRow(_AnswerFields):
    """An answer as `answers_upsert` hands it back (its photos' ids set on it as `attachment_ids`),
    read straight from the attributes by pydantic: ninja's Schema reads field by field in Python,
    which cost a fifth of a 1,200-answer batch."""

    model_config = ConfigDict(from_attributes=True)

    item_code: str = Field(validation_alias=AliasPath("item", "code"))


class InspectionOut(Schema):
    id: int
    unit_id: int
    template_id: int
    template_version: int
    mode: str
    status: str
    inspector_id: int
    visit_id: int | None
    follow_up_of_id: int | None
    calibration: bool
    client_id: str
    performed_at: dt.datetime
    created_at: dt.datetime
    opening_notes: str
    interview_notes: str
    figures: dict
    latitude: Decimal | None
    longitude: Decimal | None
    location_accuracy_m: float | None
    distance_m: int | None
    location_reason: str
    location_flag: str

    score: Decimal | None
    passed: bool | None
    critical_failed: bool
    submitted_at: dt.datetime | None
    acknowledged_by_id: int | None
    acknowledged_at: dt.datetime | None
    acknowledgement_comment: str
    onsite_signature_id: int | None
    onsite_signer_name: str
    onsite_signed_at: dt.datetime | None

    @staticmethod
    def resolve_template_version(obj) -> int:
        return obj.template.version

    @staticmethod
    def resolve_location_flag(obj) -> str:
        return obj.location_flag


class InspectionDetailOut(InspectionOut):
    answers: list[AnswerOut]
    finding_ids: list[int]

    @staticmethod
    def resolve_answers(obj) -> list:
        return [a for a in obj.answers.all() if a.is_current]

    @staticmethod
    def resolve_finding_ids(obj) -> list[int]:
        return [f.pk for f in obj.findings.all()]


class SubmitOut(Schema):
    id: int
    status: str
    score: Decimal | None
    passed: bool | None
    critical_failed: bool
    finding_ids: list[int]


class AcknowledgeIn(Schema):
    comment: str = Field("", max_length=2000)


class CorrectionIn(Schema):
    item_code: str = Field(min_length=1, max_length=50)
    value: Any = None
    note: str = Field("", max_length=5000)
    reason: str = Field(min_length=1, max_length=2000)
    # The phone's own id for this correction: a retry with it answers the first correction (200).
    client_id: str = Field("", max_length=64)


class FollowUpIn(Schema):
    mode: InspectionMode = InspectionMode.ON_SITE
    client_id: str | None = Field(None, max_length=64)
    performed_at: dt.datetime | None = None
    latitude: Decimal | None = Field(None, ge=-90, le=90, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, decimal_places=6)
    location_accuracy_m: float | None = Field(None, ge=0)
    location_reason: str = Field("", max_length=500)
