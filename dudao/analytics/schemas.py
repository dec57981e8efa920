from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from .choices import ReviewCaseStatus, ReviewDecision


# --- analytics summary ----------------------------------------------------------------------------
class SummaryQuery(Schema):
    scope_unit_id: int | None = None
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")


class PeriodOut(Schema):
    start: dt.date
    end: dt.date


class CoverageOut(Schema):
    visits_planned: int
    visits_done: int
    visit_rate: Decimal | None = Field(description="visits_done / visits_planned, percent")
    units: int
    units_inspected: int
    unit_rate: Decimal | None = Field(description="units_inspected / units, percent")


class SummaryOut(Schema):
    """Figures as defined in dudao/facts/figures.py; rates in percent, one decimal; null = nothing to measure."""

    scope_unit_id: int | None
    period: PeriodOut
    inspections: int
    average_score: Decimal | None
    findings_by_severity: dict[str, int]
    on_time_closure_rate: Decimal | None
    median_closure_days: Decimal | None
    repeat_rate: Decimal | None
    coverage: CoverageOut
    findings: int
    findings_due: int
    findings_on_time: int


# --- evaluations ---------------------------------------------------------------------------------
class EvaluationQuery(Schema):
    month: str | None = Field(None, description="YYYY-MM; the latest evaluated month by default")
    key_target: bool | None = None


class RunIn(Schema):
    month: str = Field(description="YYYY-MM")


class RunOut(Schema):
    month: str
    run_at: dt.datetime
    units: int
    scored: int
    passed: int
    key_targets: int
    review_cases_opened: int
    provisional: bool

    @staticmethod
    def resolve_month(obj) -> str:
        return f"{obj.month:%Y-%m}"


class ComponentOut(Schema):
    component: str
    value: Decimal
    weight: Decimal
    applied_weight: Decimal


class EvaluationOut(Schema):
    id: int
    month: str
    unit_id: int
    unit_name: str
    region_id: int | None
    score: Decimal | None
    passed: bool | None
    provisional: bool
    rank: int | None
    region_rank: int | None
    consecutive_failures: int
    key_target: bool
    key_target_deadline: dt.date | None
    review_case_id: int | None
    components: list[ComponentOut]
    inspection_count: int
    inspection_average: Decimal | None
    findings_due: int
    findings_on_time: int
    on_time_rate: Decimal | None
    visits_planned: int
    visits_done: int
    coverage_rate: Decimal | None

    @staticmethod
    def resolve_month(obj) -> str:
        return f"{obj.month:%Y-%m}"

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name


# --- review cases --------------------------------------------------------------------------------
class ReviewCaseQuery(Schema):
    status: ReviewCaseStatus | None = None


class ReviewCaseOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    month: str
    manager_id: int | None
    consecutive_failures: int
    superior_id: int | None
    hr_ids: list[int]
    status: ReviewCaseStatus
    decision: str
    notes: str
    opened_at: dt.datetime
    review_started_at: dt.datetime | None
    decided_at: dt.datetime | None
    decided_by_id: int | None

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_month(obj) -> str:
        return f"{obj.month:%Y-%m}"

    @staticmethod
    def resolve_hr_ids(obj) -> list[int]:
        return [person.pk for person in obj.hr_assignees.all()]


class DecideIn(Schema):
    decision: ReviewDecision
    notes: str = Field("", max_length=5000)


# --- before/after ----------------------------------------------------------------------------------
class BeforeAfterQuery(Schema):
    unit_id: int
    pivot: dt.date | None = Field(None, description="YYYY-MM-DD; by default the latest offered pivot")
    days: int = Field(90, description="window length in days before and from the pivot (7..366)")


class WindowOut(Schema):
    """Each figure as dudao/facts/figures.py defines it; null = no data."""

    date_from: dt.date = Field(alias="from")
    to: dt.date
    inspections: int
    average_score: Decimal | None
    pass_rate: Decimal | None
    findings: int
    on_time_closure_rate: Decimal | None
    repeat_rate: Decimal | None
    evaluation_score: Decimal | None


class DifferenceOut(Schema):
    """after - before; null when either side has no data."""

    inspections: int | None
    average_score: Decimal | None
    pass_rate: Decimal | None
    findings: int | None
    on_time_closure_rate: Decimal | None
    repeat_rate: Decimal | None
    evaluation_score: Decimal | None


class PivotOut(Schema):
    kind: str
    kind_label: str
    date: dt.date
    label: str


class BeforeAfterOut(Schema):
    unit_id: int
    unit_name: str
    pivot: dt.date
    days: int
    before: WindowOut
    after: WindowOut
    difference: DifferenceOut
    pivots: list[PivotOut]
