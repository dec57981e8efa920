from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dudao.core.scoping import OrgScopedModel
from dudao.org.choices import Role

from .choices import ReviewCaseStatus, ReviewDecision

# Who reads analytics and evaluations: everyone who follows units' results in their scope.
ANALYTICS_READERS = frozenset({
    Role.ADMIN, Role.EXECUTIVE, Role.OPS_MANAGER, Role.SUPERVISOR, Role.DEPARTMENT_HEAD,
    Role.REGION_MANAGER, Role.UNIT_MANAGER, Role.HR,
})
EVALUATION_RUNNERS = frozenset({Role.ADMIN, Role.OPS_MANAGER})
# A manager review is a personnel matter: the superior line and HR, never the unit's own people.
REVIEW_READERS = frozenset({Role.ADMIN, Role.EXECUTIVE, Role.OPS_MANAGER, Role.REGION_MANAGER, Role.HR})
REVIEW_DECIDERS = frozenset({Role.EXECUTIVE, Role.REGION_MANAGER, Role.HR})


class EvaluationRun(models.Model):
    """One month's evaluation of an organisation (运营管理质量综合评估): when it ran, with which policy
    values, and what came out. Running the month again replaces its results and updates this row; a
run before the month has ended is provisional until a run after it replaces it as final."""

    organization = models.ForeignKey("org.Organization", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("评估月份"))
    run_at = models.DateTimeField(_("评估时间"))
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("执行人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    units = models.PositiveIntegerField(_("参评机构数"), default=0)
    scored = models.PositiveIntegerField(_("有数据机构数"), default=0)
    passed = models.PositiveIntegerField(_("通过数"), default=0)
    key_targets = models.PositiveIntegerField(_("重点整改对象数"), default=0)
    review_cases_opened = models.PositiveIntegerField(_("新开评议数"), default=0)
    policy = models.JSONField(_("评估制度"), default=dict, blank=True)
    # Run before the month ended: figures may still change, nothing follows from them.
    provisional = models.BooleanField(_("暂定"), default=False)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="evaluation_run_once_per_month"),
        ]
        verbose_name = _("月度评估批次")
        verbose_name_plural = _("月度评估批次")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class UnitEvaluation(OrgScopedModel):
    """A unit's composite score for one month, its ranks, and what follows from failing: a key
    rectification target (重点整改对象) with a deadline, and the count of months failed in a row."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="evaluations")
    month = models.DateField(_("评估月份"))
    unit = models.ForeignKey("org.Unit", verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+")
    # The group the unit is ranked within: its region (or its parent when it has no region).
    region = models.ForeignKey(
        "org.Unit", verbose_name=_("区域"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    score = models.DecimalField(_("综合得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("通过"), null=True, blank=True)
    # The month had not ended when it was evaluated: no key target, no review case (see the run).
    provisional = models.BooleanField(_("暂定"), default=False)
    rank = models.PositiveIntegerField(_("总排名"), null=True, blank=True)
    region_rank = models.PositiveIntegerField(_("区域排名"), null=True, blank=True)
    inspection_count = models.PositiveIntegerField(_("检查次数"), default=0)
    inspection_average = models.DecimalField(_("检查平均分"), max_digits=5, decimal_places=2, null=True, blank=True)
    findings_due = models.PositiveIntegerField(_("到期问题数"), default=0)
    findings_on_time = models.PositiveIntegerField(_("按时整改数"), default=0)
    on_time_rate = models.DecimalField(_("按时整改率"), max_digits=5, decimal_places=1, null=True, blank=True)
    visits_planned = models.PositiveIntegerField(_("计划走访数"), default=0)
    visits_done = models.PositiveIntegerField(_("完成走访数"), default=0)
    coverage_rate = models.DecimalField(_("督导覆盖率"), max_digits=5, decimal_places=1, null=True, blank=True)
    # [{component, value, weight, applied_weight}] for the components that had data this month.
    components = models.JSONField(_("评分构成"), default=list, blank=True)
    consecutive_failures = models.PositiveSmallIntegerField(_("连续未通过月数"), default=0)
    key_target = models.BooleanField(_("重点整改对象"), default=False)
    key_target_deadline = models.DateField(_("整改期限"), null=True, blank=True)
    review_case = models.ForeignKey(
        "ReviewCase", verbose_name=_("管理评议"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_path_field = "unit__path"
    scope_roles = {"view": ANALYTICS_READERS}

    class Meta:
        ordering = ["month", "rank", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="unit_evaluation_once_per_month"),
        ]
        indexes = [models.Index(fields=["organization", "month", "rank"], name="unit_evaluation_rank_idx")]
        verbose_name = _("月度综合评估")
        verbose_name_plural = _("月度综合评估")

    def __str__(self) -> str:
        return f"{self.unit} · {self.month:%Y-%m}"


class ReviewCase(OrgScopedModel):
    """A manager review (管理评议) opened after a unit failed its monthly evaluation for the policy's
    number of months in a row: the unit's manager is reviewed by their superior and HR, who decide
    to demote, dismiss (劝退), retain, or otherwise."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("触发月份"))
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("被评议负责人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="review_cases",
    )
    consecutive_failures = models.PositiveSmallIntegerField(_("连续未通过月数"))
    superior = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("person", "上级"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    hr_assignees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("人事"), blank=True, related_name="+")
    status = models.CharField(
        _("状态"), max_length=20, choices=ReviewCaseStatus.choices, default=ReviewCaseStatus.OPEN
    )
    decision = models.CharField(_("决定"), max_length=20, choices=ReviewDecision.choices, blank=True)
    notes = models.TextField(_("评议意见"), blank=True)
    opened_at = models.DateTimeField(_("发起时间"))
    review_started_at = models.DateTimeField(_("开始评议时间"), null=True, blank=True)
    review_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("决定人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )

    scope_path_field = "unit__path"
    scope_roles = {"view": REVIEW_READERS, "decide": REVIEW_DECIDERS}

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="review_case_once_per_unit_month"),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="review_case_status_idx")]
        verbose_name = _("管理评议")
        verbose_name_plural = _("管理评议")

    def __str__(self) -> str:
        return f"{self.unit} · {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("analytics:review-case-detail", args=[self.pk])
