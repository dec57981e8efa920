"""The policy document (制度): one typed, frozen model per policy area of DESIGN.md section 2.

A pack (packs/*.yaml) is a complete document; an organisation's overrides are a partial one,
deep-merged over its pack before validation (see registry.py). Every field is required, so a pack
that forgets a key is refused as loudly as an override that invents one. Amounts, weights, shares
and marks are Decimal, so scores and money never mix with binary floats.

Cross-field rules raise `rule_error(message, at=...)`: `at` is the path below the validator's own
location, so a refusal names the exact dotted key (``approvals.routes.purchase.2.max_amount``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from dudao.org.choices import LEAF_KINDS, Role, UnitKind

from .choices import (
    ApprovalKind,
    BulletinPeriod,
    CardColour,
    EvaluationComponent,
    KpiScoring,
    KpiSource,
    Period,
    SchemeKind,
    Severity,
    WebhookKind,
)

RULE_ERROR = "policy_rule"


def rule_error(message: str, at: str = "") -> PydanticCustomError:
    """A cross-field refusal; `at` is the dotted path below the validator's location."""
    return PydanticCustomError(RULE_ERROR, "{message}", {"message": str(message), "at": at})


class PolicyModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _distinct(values: tuple) -> tuple:
    seen = set()
    for index, value in enumerate(values):
        if value in seen:
            raise rule_error(_("不能重复:%(value)s") % {"value": value}, at=str(index))
        seen.add(value)
    return values


def _distinct_codes(items: tuple) -> tuple:
    _distinct(tuple(item.code for item in items))
    return items


Days = Annotated[int, Field(ge=0, le=3650)]
PositiveDays = Annotated[int, Field(ge=1, le=3650)]
PositiveCount = Annotated[int, Field(ge=1, le=10000)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Mark = Annotated[Decimal, Field(ge=0, le=100)]
Share = Annotated[Decimal, Field(gt=0, le=1)]
DayOfMonth = Annotated[int, Field(ge=1, le=28)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=50)]
Roles = Annotated[tuple[Role, ...], Field(min_length=1), AfterValidator(_distinct)]


# --- 2.1 organisation ----------------------------------------------------------------------
class UnitKindLabels(PolicyModel):
    """What this organisation calls each kind of unit (门店 in a chain, 网点 in a bank)."""

    company: Label
    center: Label
    department: Label
    region: Label
    store: Label
    branch: Label
    plant: Label


def _site_kind(kind: UnitKind) -> UnitKind:
    if kind not in LEAF_KINDS:
        raise rule_error(_("必须是门店、网点或厂站之一"))
    return kind


class OrganizationPolicy(PolicyModel):
    unit_kind_labels: UnitKindLabels
    site_kind: Annotated[UnitKind, AfterValidator(_site_kind)]

    def unit_kind_label(self, kind: str) -> str:
        return getattr(self.unit_kind_labels, str(kind))


# --- 2.3 / 2.5 inspections -----------------------------------------------------------------
class InspectionsPolicy(PolicyModel):
    pass_mark: Mark
    back_entry_days: Days
    geolocation_required_on_site: bool
    geofence_m: Annotated[int, Field(ge=50, le=50000)]
    camera_capture_required: bool
    score_decimals: Annotated[int, Field(ge=0, le=2)]


# --- 2.6 findings and rectification --------------------------------------------------------
class DueDays(PolicyModel):
    """Days allowed for rectification by severity; a more severe finding never gets more time."""

    critical: PositiveDays
    high: PositiveDays
    medium: PositiveDays
    low: PositiveDays

    @model_validator(mode="after")
    def _more_severe_is_sooner(self) -> DueDays:
        order = ["critical", "high", "medium", "low"]
        for stricter, looser in zip(order, order[1:], strict=False):
            if getattr(self, looser) < getattr(self, stricter):
                raise rule_error(
                    _("不能少于 %(stricter)s 的天数(%(days)s)") % {"stricter": stricter, "days": getattr(self, stricter)},
                    at=looser,
                )
        return self


class EscalationStep(PolicyModel):
    after_days: Days
    role: Role


def _ladder_ascending(steps: tuple[EscalationStep, ...]) -> tuple[EscalationStep, ...]:
    for index in range(1, len(steps)):
        if steps[index].after_days <= steps[index - 1].after_days:
            raise rule_error(_("必须大于上一步的天数(%(days)s)") % {"days": steps[index - 1].after_days},
                             at=f"{index}.after_days")
    return steps


class FindingCategory(PolicyModel):
    code: Code
    label: Label


class FindingsPolicy(PolicyModel):
    due_days: DueDays
    evidence_required: Annotated[tuple[Severity, ...], AfterValidator(_distinct)]
    repeat_window_days: PositiveDays
    escalation: Annotated[tuple[EscalationStep, ...], AfterValidator(_ladder_ascending)]
    due_soon_reminder_days: Days
    categories: Annotated[tuple[FindingCategory, ...], Field(min_length=1), AfterValidator(_distinct_codes)]

    def due_days_for(self, severity: str) -> int:
        return getattr(self.due_days, str(severity))

    def evidence_required_for(self, severity: str) -> bool:
        return severity in self.evidence_required

    def escalation_steps_reached(self, days_overdue: int) -> tuple[EscalationStep, ...]:
        """The ladder steps a finding overdue by `days_overdue` days has reached (none before due)."""
        if days_overdue < 0:
            return ()
        return tuple(step for step in self.escalation if step.after_days <= days_overdue)


# --- 2.4 plans and coverage ----------------------------------------------------------------
class CoverageRule(PolicyModel):
    """Either a share of the units of a kind (min_share) or a visit count per unit, each period."""

    code: Code
    description: Text
    unit_kind: UnitKind
    period: Period
    min_share: Share | None = None
    min_visits_per_unit: PositiveCount | None = None
    by_assigned_supervisor: bool = False

    @model_validator(mode="after")
    def _one_measure(self) -> CoverageRule:
        if (self.min_share is None) == (self.min_visits_per_unit is None):
            raise rule_error(_("必须且只能设置 min_share 或 min_visits_per_unit 之一"), at="min_share")
        return self

    @property
    def kind(self) -> str:
        return "share" if self.min_share is not None else "visits"


class PlansPolicy(PolicyModel):
    coverage_rules: Annotated[tuple[CoverageRule, ...], AfterValidator(_distinct_codes)]
    # The most visits one supervisor is given on one day; recurring schedules move an occurrence
    # that would exceed it to the next working day with room.
    max_visits_per_day: Annotated[int, Field(ge=1, le=50)]


# --- 2.7 reports ---------------------------------------------------------------------------
class ReportsPolicy(PolicyModel):
    approver_roles: Roles
    send_to_units: bool


# --- 2.8 bulletins -------------------------------------------------------------------------
class BulletinsPolicy(PolicyModel):
    period: BulletinPeriod
    unread_reminder_days: PositiveDays
    common_problems_count: Annotated[int, Field(ge=1, le=100)]


# --- 2.9 monthly evaluation ----------------------------------------------------------------
class ComponentWeight(PolicyModel):
    component: EvaluationComponent
    weight: Share


def _weights_total_one(components: tuple[ComponentWeight, ...]) -> tuple[ComponentWeight, ...]:
    _distinct(tuple(c.component for c in components))
    total = sum((c.weight for c in components), Decimal(0))
    if total != 1:
        raise rule_error(_("权重合计必须为 1(当前为 %(total)s)") % {"total": total})
    return components


class EvaluationPolicy(PolicyModel):
    components: Annotated[tuple[ComponentWeight, ...], Field(min_length=1), AfterValidator(_weights_total_one)]
    pass_mark: Mark
    consecutive_failures_for_review: Annotated[int, Field(ge=1, le=12)]
    key_target_deadline_days: PositiveDays

    def weight_of(self, component: str) -> Decimal:
        return next((c.weight for c in self.components if c.component == component), Decimal(0))


# --- 2.10 approvals ------------------------------------------------------------------------
class ApprovalRoute(PolicyModel):
    """Requests up to `max_amount` (no limit when null) go through `roles`, one step each, in order."""

    max_amount: Money | None = None
    roles: Roles


def _routes_ascending(routes: tuple[ApprovalRoute, ...]) -> tuple[ApprovalRoute, ...]:
    for index, route in enumerate(routes):
        last = index == len(routes) - 1
        if route.max_amount is None and not last:
            raise rule_error(_("只有最后一条路由可以不设金额上限"), at=f"{index}.max_amount")
        if route.max_amount is not None and last:
            raise rule_error(_("最后一条路由不能设金额上限(应为 null)"), at=f"{index}.max_amount")
        if index and route.max_amount is not None and route.max_amount <= routes[index - 1].max_amount:
            raise rule_error(_("必须大于上一条的金额上限(%(amount)s)") % {"amount": routes[index - 1].max_amount},
                             at=f"{index}.max_amount")
    return routes


RouteList = Annotated[tuple[ApprovalRoute, ...], Field(min_length=1), AfterValidator(_routes_ascending)]


class ApprovalRoutes(PolicyModel):
    """One routing table per approval kind (DESIGN.md 2.10)."""

    plan: RouteList
    report: RouteList
    purchase: RouteList
    asset_write_off: RouteList
    consumables_write_off: RouteList
    activity_funds: RouteList
    target_revision: RouteList
    rectification_extension: RouteList
    recruitment_plan: RouteList
    # A person's appeal (复议) against an appraisal result (or, later, a penalty).
    appeal: RouteList


class DecisionDeadline(PolicyModel):
    """A kind decided as a whole within `days` of its submission (招募计划: ops and HR together
    within 3 days): every step of such a request is due by then, instead of `step_deadline_days`
    from the step's own start."""

    kind: ApprovalKind
    days: PositiveDays


def _one_deadline_per_kind(deadlines: tuple[DecisionDeadline, ...]) -> tuple[DecisionDeadline, ...]:
    seen: set[str] = set()
    for index, deadline in enumerate(deadlines):
        if deadline.kind in seen:
            raise rule_error(_("每类申请只能设一个整体期限"), at=f"{index}.kind")
        seen.add(deadline.kind)
    return deadlines


class ApprovalsPolicy(PolicyModel):
    step_deadline_days: PositiveDays
    decision_deadlines: Annotated[tuple[DecisionDeadline, ...], AfterValidator(_one_deadline_per_kind)] = ()
    overdue_reminder_days: PositiveDays
    # Four eyes (DESIGN.md 2.10): one person decides at most one step of a request; when false the
    # same person may decide consecutive steps. Nobody ever decides their own request either way.
    four_eyes: bool
    routes: ApprovalRoutes

    def decision_days(self, kind: str) -> int | None:
        """Days within which a request of `kind` is decided as a whole, if the policy sets them."""
        return next((d.days for d in self.decision_deadlines if d.kind == kind), None)

    def roles_for(self, kind: str, amount: Decimal | int | None = None) -> tuple[Role, ...]:
        """The approval steps for a request of `kind`; without an amount, the open-ended (strictest) route."""
        if kind not in ApprovalKind.values:
            raise ValueError(f"unknown approval kind: {kind}")
        routes: tuple[ApprovalRoute, ...] = getattr(self.routes, str(kind))
        if amount is None:
            return routes[-1].roles
        for route in routes:
            if route.max_amount is None or Decimal(amount) <= route.max_amount:
                return route.roles
        return routes[-1].roles  # unreachable: the last route is open-ended


# --- 2.11 appraisal and bonus --------------------------------------------------------------
class Kpi(PolicyModel):
    code: Code
    name: Label
    weight: Annotated[Decimal, Field(gt=0, le=100)]
    source: KpiSource
    # direct: the value is the score (a satisfaction of 92 scores 92); target: 100 × value / the
    # subject's target for the period, capped at 100 (sales against target).
    scoring: KpiScoring

    @model_validator(mode="after")
    def _target_needs_a_figure(self) -> Kpi:
        if self.scoring == KpiScoring.TARGET and self.source not in (KpiSource.IMPORTED, KpiSource.MANUAL):
            raise rule_error(_("只有外部导入或人工评分的指标才能按目标完成率计分"), at="scoring")
        return self


def _appraisal_period(period: Period) -> Period:
    if period == Period.WEEK:
        raise rule_error(_("考核周期只能是月、季度、半年或年"))
    return period


class AppraisalScheme(PolicyModel):
    role: Role
    period: Annotated[Period, AfterValidator(_appraisal_period)]
    kind: SchemeKind
    kpis: Annotated[tuple[Kpi, ...], Field(min_length=1), AfterValidator(_distinct_codes)]

    @model_validator(mode="after")
    def _weights_total_hundred(self) -> AppraisalScheme:
        total = sum((kpi.weight for kpi in self.kpis), Decimal(0))
        if total != 100:
            raise rule_error(_("权重合计必须为 100(当前为 %(total)s)") % {"total": total}, at="kpis")
        return self


def _schemes_distinct(schemes: tuple[AppraisalScheme, ...]) -> tuple[AppraisalScheme, ...]:
    seen = set()
    for index, scheme in enumerate(schemes):
        if (scheme.role, scheme.period, scheme.kind) in seen:
            raise rule_error(_("同一角色同一周期同一类型只能有一个方案"), at=f"{index}.role")
        seen.add((scheme.role, scheme.period, scheme.kind))
    return schemes


class BonusBand(PolicyModel):
    """From `min_score` up to the next band the bonus factor is `factor` (× score/100 when scaled)."""

    min_score: Mark
    factor: Annotated[Decimal, Field(ge=0, le=2)]
    scale_by_score: bool = False


def _bands_ascending(bands: tuple[BonusBand, ...]) -> tuple[BonusBand, ...]:
    if bands and bands[0].min_score != 0:
        raise rule_error(_("第一档必须从 0 分开始"), at="0.min_score")
    for index in range(1, len(bands)):
        if bands[index].min_score <= bands[index - 1].min_score:
            raise rule_error(_("必须大于上一档的分数(%(score)s)") % {"score": bands[index - 1].min_score},
                             at=f"{index}.min_score")
    return bands


class RectificationPoints(PolicyModel):
    """Points added to an appraisal for each finding of the person's units closed on time in the
    period, and deducted for each one overdue, within ± `cap` (0 and 0 switch it off)."""

    closed_on_time: Annotated[Decimal, Field(ge=0, le=10)]
    overdue: Annotated[Decimal, Field(ge=0, le=10)]
    cap: Mark


class AppraisalPolicy(PolicyModel):
    rectification_points: RectificationPoints
    schemes: Annotated[tuple[AppraisalScheme, ...], AfterValidator(_schemes_distinct)]
    bonus_bands: Annotated[tuple[BonusBand, ...], Field(min_length=1), AfterValidator(_bands_ascending)]
    leaving_forfeits_bonus: bool
    personal_leave_days_before_proration: Days
    result_flow: Roles
    results_due_day: DayOfMonth
    bonus_paid_by_day: DayOfMonth
    appeal_window_days: PositiveDays

    @model_validator(mode="after")
    def _paid_after_results(self) -> AppraisalPolicy:
        if self.bonus_paid_by_day < self.results_due_day:
            raise rule_error(_("不能早于 results_due_day(%(day)s)") % {"day": self.results_due_day},
                             at="bonus_paid_by_day")
        return self

    def bonus_factor(self, score: Decimal | int | float) -> Decimal:
        """The factor a bonus base is multiplied by for an appraisal score (default 0 / score÷100 / 1)."""
        score = Decimal(str(score))
        band = self.bonus_bands[0]
        for candidate in self.bonus_bands:
            if score >= candidate.min_score:
                band = candidate
        return band.factor * score / 100 if band.scale_by_score else band.factor

    def scheme_for(self, role: str, period: str | None = None,
                   kind: str = SchemeKind.REGULAR) -> AppraisalScheme | None:
        return next(
            (s for s in self.schemes
             if s.role == role and s.kind == kind and (period is None or s.period == period)), None
        )


# --- 2.12 discipline -----------------------------------------------------------------------
class DisciplineAccumulation(PolicyModel):
    """Counting rules; null switches a rule off."""

    late_or_early_per_absence: PositiveCount | None
    absences_per_year_forfeiting_bonus: PositiveCount | None
    penalties_per_year_forfeiting_bonus: PositiveCount | None


class DisciplineFines(PolicyModel):
    """Default fines per occurrence; 0 means the organisation does not fine it."""

    late_or_early: Money
    off_post: Money
    absence: Money
    absence_deducts_day_pay: bool
    operating_violation: Money


class DisciplinePolicy(PolicyModel):
    accumulation: DisciplineAccumulation
    fines: DisciplineFines
    card_colours: Annotated[tuple[CardColour, ...], AfterValidator(_distinct)]
    appeal_window_days: PositiveDays


# --- 2.13 training, work plans, meetings ---------------------------------------------------
class TrainingPolicy(PolicyModel):
    needs_survey_period: Period
    proposal_top_findings: Annotated[int, Field(ge=1, le=50)]
    test_pass_score: Mark
    work_plan_periods: Annotated[tuple[Period, ...], AfterValidator(_distinct)]
    operations_meeting_period: Period


# --- 2.13 incidents, complaints and inquiries -----------------------------------------------
class IncidentsPolicy(PolicyModel):
    """Deadlines of what comes in from the field: a major incident is reported within hours of
    happening; a complaint or an inquiry is answered within days of coming in (0: the same day);
    a quality complaint gets someone on site within days."""

    major_report_hours: Annotated[int, Field(ge=1, le=72)]
    complaint_response_days: Days
    inquiry_response_days: Days
    quality_on_site_days: PositiveDays


# --- 2.15a calibration -------------------------------------------------------------------
class CalibrationPolicy(PolicyModel):
    """Second, blind inspections of a share of on-site inspections (dudao.calibration): which share,
    within how many days, and when a supervisor's drift against the second inspectors is flagged."""

    share: Annotated[Decimal, Field(ge=0, le=1)]
    within_days: PositiveDays
    drift_threshold: Annotated[Decimal, Field(ge=0, le=100)]
    min_pairs: Annotated[int, Field(ge=2, le=1000)]
    window_days: PositiveDays


# --- 2.14 data import ----------------------------------------------------------------------
class DataImportPolicy(PolicyModel):
    tolerance: Annotated[Decimal, Field(ge=0, le=1)]


# --- 2.16 notifications --------------------------------------------------------------------
class NotificationsPolicy(PolicyModel):
    digest_hour: Annotated[int, Field(ge=0, le=23)]
    email_enabled: bool
    webhook_kind: WebhookKind
    webhook_url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> NotificationsPolicy:
        if self.webhook_kind != WebhookKind.NONE and not self.webhook_url.startswith("https://"):
            raise rule_error(_("使用机器人通知时必须填写 https:// 开头的地址"), at="webhook_url")
        return self


# --- the whole document --------------------------------------------------------------------
class Policy(PolicyModel):
    """An organisation's policy in force on one date: `policy_for(org, on).findings.due_days.high`."""

    organization: OrganizationPolicy
    inspections: InspectionsPolicy
    findings: FindingsPolicy
    plans: PlansPolicy
    reports: ReportsPolicy
    bulletins: BulletinsPolicy
    evaluation: EvaluationPolicy
    approvals: ApprovalsPolicy
    appraisal: AppraisalPolicy
    discipline: DisciplinePolicy
    training: TrainingPolicy
    incidents: IncidentsPolicy
    calibration: CalibrationPolicy
    data_import: DataImportPolicy
    notifications: NotificationsPolicy

    def approval_roles(self, kind: str, amount: Decimal | int | None = None) -> tuple[Role, ...]:
        """The approval steps of a request of `kind`: appraisal results follow the appraisal
        area's result flow, every other kind its route in `approvals.routes`."""
        if kind == ApprovalKind.APPRAISAL_RESULT:
            return self.appraisal.result_flow
        return self.approvals.roles_for(kind, amount)

    @model_validator(mode="after")
    def _report_route_matches_approvers(self) -> Policy:
        # Reports name their approvers; the approval engine routes by kind. Both must agree.
        for index, route in enumerate(self.approvals.routes.report):
            if route.roles != self.reports.approver_roles:
                raise rule_error(_("必须与 reports.approver_roles 一致"), at=f"approvals.routes.report.{index}.roles")
        return self


AREAS: tuple[str, ...] = tuple(Policy.model_fields)
