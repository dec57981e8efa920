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


class ScheduleIn(Schema):
    unit_id: int
    supervisor_id: int
    frequency: str = Field(max_length=20)
    starts_on: dt.date
    ends_on: dt.date | None = None
    template_id: int | None = None
    mode: str = Field(VisitMode.ON_SITE, max_length=20)
    weekday: int | None = None
    interval_weeks: int | None = None
    anchor_on: dt.date | None = None
    day_of_month: int | None = None
    week_of_month: int | None = None
    month_of_quarter: int | None = None
    client_id: str = Field("", max_length=64)


class SchedulePatch(Schema):
    unit_id: int | None = None
    supervisor_id: int | None = None
    frequency: str | None = Field(None, max_length=20)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    template_id: int | None = None
    mode: str | None = Field(None, max_length=20)
    weekday: int | None = None
    interval_weeks: int | None = None
    anchor_on: dt.date | None = None
    day_of_month: int | None = None
    week_of_month: int | None = None
    month_of_quarter: int | None = None


class ScheduleOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    supervisor_id: int
    supervisor_name: str
    template_id: int | None
    mode: str
    frequency: str
    description: str
    weekday: int | None
    interval_weeks: int | None
    anchor_on: dt.date | None
    day_of_month: int | None
    week_of_month: int | None
    month_of_quarter: int | None
    starts_on: dt.date
    ends_on: dt.date | None
    active: bool
    created_by_id: int
    created_at: dt.datetime

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_supervisor_name(obj) -> str:
        return obj.supervisor.display_name

    @staticmethod
    def resolve_description(obj) -> str:
        return obj.describe()
