"""Appraisal data: the figures (KPI values) and targets an appraisal is scored from, monthly
attendance and bonus bases. Each is about a subject, a person or a unit (exactly one); it is seen
through `scope_unit`, the unit itself or the unit of the person's role, so the unit tree scopes it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel

from .choices import AppraisalStatus, CycleStatus, SubjectKind, TargetStatus
from .permissions import APPRAISAL_MANAGERS, APPRAISAL_VIEWERS, RESULT_VIEWERS

MONEY = {"max_digits": 14, "decimal_places": 2}
FIGURE = {"max_digits": 20, "decimal_places": 4}


class _Subject(OrgScopedModel):
    """A record about one person or one unit, seen through the unit it belongs to."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("人员"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("机构"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    scope_unit = models.ForeignKey("org.Unit", verbose_name=_("所属机构"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    scope_path_field = "scope_unit__path"
    scope_roles = {"view": APPRAISAL_VIEWERS, "manage": APPRAISAL_MANAGERS}

    class Meta:
        abstract = True

    @property
    def subject_kind(self) -> str:
        return SubjectKind.PERSON if self.person_id else SubjectKind.UNIT

    @property
    def subject(self):
        return self.person if self.person_id else self.unit

    def subject_label(self) -> str:
        if self.person_id:
            return f"{self.person.display_name}({self.person.username})"
        return f"{self.unit.name}({self.unit.code})"


def _one_subject(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(person__isnull=False, unit__isnull=True) | Q(person__isnull=True, unit__isnull=False)),
        name=name,
    )


class KpiValue(_Subject):
    """One figure of one KPI for a person or a unit in a period, as one source reported it (the sales
    system, finance, an on-site recount). Two sources for the same figure are cross-checked."""

    kpi_code = models.CharField(_("指标代码"), max_length=50)
    period = models.CharField(_("期间"), max_length=7)
    value = models.DecimalField(_("数值"), **FIGURE)
    source = models.CharField(_("来源"), max_length=50)
    import_run = models.ForeignKey("imports.ImportRun", verbose_name=_("导入批次"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("指标数值")
        verbose_name_plural = _("指标数值")
        constraints = [
            _one_subject("appraisal_kpivalue_one_subject"),
            models.UniqueConstraint(fields=["person", "kpi_code", "period", "source"],
                                    condition=Q(person__isnull=False), name="appraisal_kpivalue_person_unique"),
            models.UniqueConstraint(fields=["unit", "kpi_code", "period", "source"],
                                    condition=Q(unit__isnull=False), name="appraisal_kpivalue_unit_unique"),
        ]
        indexes = [models.Index(fields=["organization", "period", "kpi_code"], name="appraisal_kpi_org_period")]

    def __str__(self) -> str:
        return f"{self.kpi_code} {self.period} {self.value} ({self.source})"


class Target(_Subject):
    """The target a person or unit is to reach on a KPI in a period. Set before the period starts it
    is active at once; a change after that is a revision the executive approves (pending until then)."""

    kpi_code = models.CharField(_("指标代码"), max_length=50)
    period = models.CharField(_("期间"), max_length=7)
    value = models.DecimalField(_("目标值"), **FIGURE)
    status = models.CharField(_("状态"), max_length=20, choices=TargetStatus.choices, default=TargetStatus.ACTIVE)
    approval = models.ForeignKey("approvals.ApprovalRequest", verbose_name=_("审批"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    import_run = models.ForeignKey("imports.ImportRun", verbose_name=_("导入批次"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("设定人"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("设定时间"), default=timezone.now)

    class Meta:
        verbose_name = _("指标目标")
        verbose_name_plural = _("指标目标")
        constraints = [
            _one_subject("appraisal_target_one_subject"),
            models.UniqueConstraint(fields=["person", "kpi_code", "period"],
                                    condition=Q(person__isnull=False, status=TargetStatus.ACTIVE),
                                    name="appraisal_target_person_active"),
            models.UniqueConstraint(fields=["unit", "kpi_code", "period"],
                                    condition=Q(unit__isnull=False, status=TargetStatus.ACTIVE),
                                    name="appraisal_target_unit_active"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_code} {self.period} {self.value}"


class Attendance(OrgScopedModel):
    """A person's attendance in one month: days worked, personal leave, lateness, early leave and
    absence (the bonus is prorated for leave beyond the policy's days)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT,
                               related_name="+")
    scope_unit = models.ForeignKey("org.Unit", verbose_name=_("所属机构"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"))
    days_worked = models.DecimalField(_("出勤天数"), max_digits=5, decimal_places=1)
    personal_leave_days = models.DecimalField(_("事假天数"), max_digits=5, decimal_places=1, default=0)
    late = models.PositiveIntegerField(_("迟到次数"), default=0)
    early_leave = models.PositiveIntegerField(_("早退次数"), default=0)
    absence = models.PositiveIntegerField(_("旷工次数"), default=0)
    import_run = models.ForeignKey("imports.ImportRun", verbose_name=_("导入批次"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    scope_path_field = "scope_unit__path"
    scope_roles = {"view": APPRAISAL_VIEWERS, "manage": APPRAISAL_MANAGERS}

    class Meta:
        verbose_name = _("考勤")
        verbose_name_plural = _("考勤")
        constraints = [models.UniqueConstraint(fields=["person", "month"], name="appraisal_attendance_unique")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month:%Y-%m}"


class BonusBase(OrgScopedModel):
    """The bonus base of a person for a period: the amount the appraisal's factor multiplies."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT,
                               related_name="+")
    scope_unit = models.ForeignKey("org.Unit", verbose_name=_("所属机构"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("期间"), max_length=7)
    base = models.DecimalField(_("奖金基数"), **MONEY)
    import_run = models.ForeignKey("imports.ImportRun", verbose_name=_("导入批次"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    scope_path_field = "scope_unit__path"
    scope_roles = {"view": APPRAISAL_VIEWERS, "manage": APPRAISAL_MANAGERS}

    class Meta:
        verbose_name = _("奖金基数")
        verbose_name_plural = _("奖金基数")
        constraints = [models.UniqueConstraint(fields=["person", "period"], name="appraisal_bonusbase_unique")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.period} {self.base}"


class KpiDataCheck(OrgScopedModel):
    """A discrepancy between two sources of the same figure beyond the policy tolerance, and the
    data-check finding opened for it; its `key` keeps a re-import from opening a second one."""

    key = models.CharField(_("核查键"), max_length=200)
    unit = models.ForeignKey("org.Unit", verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+")
    finding = models.ForeignKey("findings.Finding", verbose_name=_("问题"), on_delete=models.PROTECT,
                                related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    scope_path_field = "unit__path"
    scope_roles = {"view": APPRAISAL_VIEWERS}

    class Meta:
        verbose_name = _("数据核查")
        verbose_name_plural = _("数据核查")
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="appraisal_datacheck_key")]

    def __str__(self) -> str:
        return self.key


# --- appraisal cycles and appraisals (DESIGN.md 2.11) ---------------------------------------------
class AppraisalCycle(OrgScopedModel):
    """One appraisal round: a role, a period and a part of the tree, scored with the scheme in
    force on the period's first day (kept in `scheme`, so a later policy change does not move it)."""

    role = models.CharField(_("角色"), max_length=30)
    period = models.CharField(_("期间"), max_length=7)
    kind = models.CharField(_("类型"), max_length=20, default="regular")
    scope_unit = models.ForeignKey("org.Unit", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    scheme = models.JSONField(_("考核方案"), default=dict)
    status = models.CharField(_("状态"), max_length=20, choices=CycleStatus.choices, default=CycleStatus.OPEN)
    approval = models.ForeignKey("approvals.ApprovalRequest", verbose_name=_("审批"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("结果截止日"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("定稿时间"), null=True, blank=True)

    scope_path_field = "scope_unit__path"
    scope_roles = {"view": RESULT_VIEWERS, "manage": APPRAISAL_MANAGERS}

    class Meta:
        verbose_name = _("考核周期")
        verbose_name_plural = _("考核周期")
        ordering = ["-period", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "role", "period", "kind", "scope_unit"],
                                               name="appraisal_cycle_unique")]

    def __str__(self) -> str:
        return f"{self.period} {self.role}"


class Appraisal(OrgScopedModel):
    """One person's appraisal in a cycle: each KPI's value, score and explanation (`kpis`), the
    weighted score, the rectification points, the bonus and the reasons for it. Seen by those who
    see appraisal results over the person's unit, and by the person."""

    cycle = models.ForeignKey(AppraisalCycle, verbose_name=_("考核周期"), on_delete=models.CASCADE,
                              related_name="appraisals")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("被考核人"), on_delete=models.PROTECT,
                               related_name="+")
    scope_unit = models.ForeignKey("org.Unit", verbose_name=_("所属机构"), on_delete=models.PROTECT,
                                   related_name="+")
    status = models.CharField(_("状态"), max_length=20, choices=AppraisalStatus.choices,
                              default=AppraisalStatus.OPEN)
    kpis = models.JSONField(_("指标明细"), default=list)
    kpi_score = models.DecimalField(_("指标得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    adjustment = models.DecimalField(_("整改加减分"), max_digits=5, decimal_places=1, default=0)
    score = models.DecimalField(_("考核得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    bonus_base = models.DecimalField(_("奖金基数"), null=True, blank=True, **MONEY)
    bonus_factor = models.DecimalField(_("奖金系数"), max_digits=7, decimal_places=4, null=True, blank=True)
    bonus_proration = models.DecimalField(_("折算比例"), max_digits=7, decimal_places=4, null=True, blank=True)
    bonus_forfeited = models.BooleanField(_("取消奖金"), default=False)
    bonus_amount = models.DecimalField(_("奖金"), null=True, blank=True, **MONEY)
    bonus_reasons = models.JSONField(_("奖金说明"), default=list)
    details = models.JSONField(_("计算依据"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    reopened = models.PositiveIntegerField(_("复议重评次数"), default=0)

    scope_path_field = "scope_unit__path"
    scope_roles = {"view": RESULT_VIEWERS, "manage": APPRAISAL_MANAGERS}

    class Meta:
        verbose_name = _("考核")
        verbose_name_plural = _("考核")
        ordering = ["rank", "id"]
        constraints = [models.UniqueConstraint(fields=["cycle", "person"], name="appraisal_once_per_cycle")]

    @classmethod
    def scope_extra(cls, actor, action: str) -> Q | None:
        # The person sees their own appraisal (PIPL art. 24: an automated decision is explained).
        return Q(person_id=actor.pk) if action == "view" else None

    def __str__(self) -> str:
        return f"{self.cycle} {self.person_id}"


class ManualScore(models.Model):
    """A score the appraiser gives a manual KPI (0..100) with a note; kept per appraisal and KPI."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="manual_scores")
    kpi_code = models.CharField(_("指标代码"), max_length=50)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评分人"), on_delete=models.PROTECT,
                               related_name="+")
    set_at = models.DateTimeField(_("评分时间"), default=timezone.now)

    class Meta:
        verbose_name = _("人工评分")
        verbose_name_plural = _("人工评分")
        constraints = [models.UniqueConstraint(fields=["appraisal", "kpi_code"], name="appraisal_manual_once")]

    def __str__(self) -> str:
        return f"{self.kpi_code} {self.score}"
