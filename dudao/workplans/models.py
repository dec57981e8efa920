"""Weekly and monthly work plans with their summaries (DESIGN.md 2.13): items planned, submitted,
then each marked done or not, with a reason for every item not done."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel

from .choices import PlanStatus
from .permissions import READERS


class WorkPlan(OrgScopedModel):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("计划人"), on_delete=models.PROTECT,
                              related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("所属机构"), on_delete=models.PROTECT, related_name="+")
    period_kind = models.CharField(_("周期"), max_length=10)
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    summary_note = models.TextField(_("总结"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    summarised_at = models.DateTimeField(_("总结时间"), null=True, blank=True)

    scope_roles = {"view": READERS}

    class Meta:
        verbose_name = _("工作计划")
        verbose_name_plural = _("工作计划")
        ordering = ["-period_start", "-id"]
        constraints = [models.UniqueConstraint(fields=["owner", "period_kind", "period_start"],
                                               name="workplans_once_per_period")]

    @classmethod
    def scope_extra(cls, actor, action: str) -> Q | None:
        # The department reads every supervisor's plan wherever its own role is granted (it works
        # from the operations center, outside the regions' subtrees); everyone reads their own.
        if actor.has_role(*READERS):
            return Q(organization_id=actor.organization_id)
        return Q(owner_id=actor.pk)

    def __str__(self) -> str:
        return f"{self.owner_id} {self.period_kind} {self.period_start}"


class WorkPlanItem(models.Model):
    plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("序号"))
    title = models.CharField(_("事项"), max_length=300)
    due_date = models.DateField(_("完成期限"), null=True, blank=True)
    done = models.BooleanField(_("已完成"), null=True, blank=True)
    reason = models.TextField(_("未完成原因及措施"), blank=True)

    class Meta:
        verbose_name = _("计划事项")
        verbose_name_plural = _("计划事项")
        ordering = ["position"]

    def __str__(self) -> str:
        return self.title
