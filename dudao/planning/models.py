from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel
from dudao.org.choices import Role

from .choices import PLAN_STATUS_BADGES, VISIT_STATUS_BADGES, PlanKind, PlanStatus, VisitMode, VisitStatus

PLANNERS = frozenset({Role.ADMIN, Role.OPS_MANAGER, Role.SUPERVISOR})


class Plan(OrgScopedModel):
    """A supervision plan (督导计划) for a period and a unit subtree: focus, methods and visits."""

    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=PlanKind.choices)
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    scope_unit = models.ForeignKey("org.Unit", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    focus = models.TextField(_("重点"), blank=True)
    methods = models.JSONField(_("方式"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    approval_id = models.BigIntegerField(_("审批单"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    scope_path_field = "scope_unit__path"
    scope_roles = {"view": None, "manage": PLANNERS}

    class Meta:
        ordering = ["-period_start", "-id"]
        # One plan per scope unit, kind and period (services refuse any overlap, naming the first
        # plan); the database backs the exact cases. Every status holds its slot, a rejected plan too.
        constraints = [
            models.UniqueConstraint(fields=["organization", "scope_unit", "kind", "period_start"],
                                    name="plan_one_per_scope_kind_start"),
            models.UniqueConstraint(fields=["organization", "scope_unit", "kind", "period_end"],
                                    name="plan_one_per_scope_kind_end"),
        ]
        verbose_name = _("督导计划")
        verbose_name_plural = _("督导计划")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("planning:plan-detail", args=[self.pk])

    @property
    def status_badge(self) -> str:
        return PLAN_STATUS_BADGES.get(self.status, "")


class Visit(OrgScopedModel):
    """A planned visit: which unit, by whom, on which day, with which standard and mode."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="visits")
    unit = models.ForeignKey("org.Unit", verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("督导"), on_delete=models.PROTECT, related_name="visits"
    )
    date = models.DateField(_("日期"))
    template = models.ForeignKey(
        "checklists.Template", verbose_name=_("检查标准"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    mode = models.CharField(_("方式"), max_length=20, choices=VisitMode.choices, default=VisitMode.ON_SITE)
    status = models.CharField(_("状态"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    scope_path_field = "unit__path"
    scope_roles = {"view": None, "manage": PLANNERS}

    class Meta:
        ordering = ["date", "id"]
        # Calendars and coverage by period; the included columns serve analytics index-only on
        # PostgreSQL.
        indexes = [models.Index(fields=["organization", "date"], include=["status", "plan", "unit"],
                                name="visit_date_idx")]
        verbose_name = _("计划走访")
        verbose_name_plural = _("计划走访")

    def __str__(self) -> str:
        return f"{self.date} {self.unit}"

    @classmethod
    def scope_extra(cls, actor, action: str):
        """The supervisor a visit is assigned to sees it, wherever its unit lies (a calibration visit
        goes to a supervisor of another region)."""
        return models.Q(supervisor_id=actor.pk) if action == "view" else None

    @property
    def status_badge(self) -> str:
        return VISIT_STATUS_BADGES.get(self.status, "")
