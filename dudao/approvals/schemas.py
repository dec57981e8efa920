from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import Field


class ApprovalIn(Schema):
    # Any text: the service refuses unknown kinds and kinds only services make, naming `kind`.
    kind: str = Field(max_length=40)
    title: str = Field(min_length=1, max_length=200)
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    unit_id: int
    detail: dict[str, Any] = Field(default_factory=dict)
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)


class DecisionIn(Schema):
    decision: Literal["approve", "reject"]
    comment: str = Field("", max_length=2000)


class StepOut(Schema):
    position: int
    role: str
    role_label: str
    status: str
    due_at: dt.datetime | None
    overdue: bool
    decided_by_id: int | None
    decided_by_name: str | None
    decided_at: dt.datetime | None
    comment: str

    @staticmethod
    def resolve_role_label(obj) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue(timezone.now())

    @staticmethod
    def resolve_decided_by_name(obj) -> str | None:
        return obj.decided_by.display_name if obj.decided_by_id else None


class ApprovalOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    amount: Decimal | None
    unit_id: int
    unit_name: str
    detail: dict[str, Any]
    requester_id: int
    requester_name: str
    status: str
    subject_type: str
    subject_id: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    current_role: str | None
    steps: list[StepOut]

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_requester_name(obj) -> str:
        return obj.requester.display_name

    @staticmethod
    def resolve_current_role(obj) -> str | None:
        step = obj.current_step()
        return step.role if step else None

    @staticmethod
    def resolve_steps(obj) -> list:
        return obj.steps_in_order()


class ApprovalDetailOut(ApprovalOut):
    attachment_ids: list[int]
    can_decide: bool

    @staticmethod
    def resolve_attachment_ids(obj) -> list[int]:
        return sorted(a.pk for a in obj.attachments.all())

    @staticmethod
    def resolve_can_decide(obj, context) -> bool:
        from dudao.core.api import actor_of

        from .permissions import can_decide_approval

        return can_decide_approval(actor_of(context["request"]), obj)
