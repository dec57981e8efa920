from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from .choices import PlanKind, VisitMode


class PlanIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    kind: PlanKind
    period_start: dt.date
    period_end: dt.date
    scope_unit_id: int
    focus: str = Field("", max_length=5000)
    methods: list[VisitMode] = Field(default_factory=list, max_length=10)


class PlanOut(Schema):
    id: int
    title: str
    kind: str
    period_start: dt.date
    period_end: dt.date
    scope_unit_id: int
    scope_unit_name: str
    focus: str
    methods: list[str]
    status: str
    approval_id: int | None
    created_by_id: int
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    published_at: dt.datetime | None

    @staticmethod
    def resolve_scope_unit_name(obj) -> str:
        return obj.scope_unit.name


class VisitIn(Schema):
    unit_id: int
    supervisor_id: int
    date: dt.date
    template_id: int | None = None
    mode: VisitMode = VisitMode.ON_SITE


class VisitOut(Schema):
    id: int
    plan_id: int
    unit_id: int
    unit_name: str
    supervisor_id: int
    supervisor_name: str
    date: dt.date
    template_id: int | None
    template_name: str | None
    mode: str
    status: str
    done_at: dt.datetime | None

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_supervisor_name(obj) -> str:
        return obj.supervisor.display_name

    @staticmethod
    def resolve_template_name(obj) -> str | None:
        return obj.template.name if obj.template_id else None


class DueVisitOut(VisitOut):
    days_overdue: int


class CoverageWindowOut(Schema):
    start: dt.date
    end: dt.date
    counted_until: dt.date
    prorated: bool
    required: int
    planned: int
    done: int
    satisfied: bool
    missing_unit_ids: list[int]


class CoverageRuleOut(Schema):
    code: str
    description: str
    unit_kind: str
    period: str
    measure: str
    required: int
    planned: int
    done: int
    satisfied: bool
    missing_unit_ids: list[int]
    problems: list[str]
    windows: list[CoverageWindowOut]


class CoverageOut(Schema):
    plan_id: int
    satisfied: bool
    rules: list[CoverageRuleOut]


class ProposeIn(Schema):
    supervisor_ids: list[int] = Field(default_factory=list, max_length=200)
    template_id: int | None = None
    mode: VisitMode = VisitMode.ON_SITE


class ProposedVisitOut(Schema):
    unit_id: int
    unit_name: str
    supervisor_id: int
    supervisor_name: str
    date: dt.date
    template_id: int | None
    mode: str
    rule_codes: list[str]
    reasons: list[str]


class ProposalOut(Schema):
    plan_id: int
    visits: list[ProposedVisitOut]
    problems: list[str]
    coverage: CoverageOut


class SubmitOut(Schema):
    id: int
    status: str
    approval_id: int
