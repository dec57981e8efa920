"""The quarterly store cadre evaluation report (店铺干部季度评估报告, DESIGN.md 2.13): for every store
manager in a scope, the quarter's figures as their owners compute them, the ability, post and pay
drafted from them by the rules of `rules.py` with their reasons, and the final judgement the
operations manager or HR settles before publishing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel
from dudao.reporting.models import ancestor_paths

from .choices import Ability, Pay, Post, ReportStatus
from .permissions import EDITORS, ORG_READERS, READERS, region_paths


class CadreReport(OrgScopedModel):
    """One quarter's evaluation of the store cadres of a scope (the organisation or a region)."""

    quarter = models.CharField(_("季度"), max_length=7)
    scope_unit = models.ForeignKey("org.Unit", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    rules = models.JSONField(_("评估规则"), default=dict, blank=True)
    # Drafted before the quarter ended: its figures run to the day it was drafted. It may be edited
    # but not published; once the quarter has ended, drafting it again replaces it with the final one.
    provisional = models.BooleanField(_("暂定"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("起草人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    scope_path_field = "scope_unit__path"
    scope_roles = {"view": READERS, "manage": EDITORS}

    class Meta:
        verbose_name = _("干部季度评估报告")
        verbose_name_plural = _("干部季度评估报告")
        ordering = ["-quarter", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "quarter", "scope_unit"],
                                               name="cadres_one_report_per_quarter_and_scope")]

    @classmethod
    def scope_extra(cls, actor, action: str) -> Q | None:
        # The operations manager, HR and the executive work from the center or the root but read
        # (and, for the editors, write) every scope of the organisation.
        roles = ORG_READERS if action == "view" else EDITORS
        if actor.has_role(*roles):
            return Q(organization_id=actor.organization_id)
        if action != "view":
            return None
        # A region manager also reads a report over a wider scope (the organisation's), for the
        # rows of their own region only (`selectors.report_rows`).
        ancestors = {prefix for path in region_paths(actor) for prefix in ancestor_paths(path)}
        return Q(scope_unit__path__in=sorted(ancestors)) if ancestors else None

    def __str__(self) -> str:
        return f"{self.quarter} {self.scope_unit_id}"

    def get_absolute_url(self) -> str:
        return reverse("cadres:report-detail", args=[self.pk])


class CadreRow(models.Model):
    """One store manager in the report: the figures gathered when it was drafted (a dated record,
    not recomputed afterwards), the suggestions with their reasons, and the final judgement."""

    report = models.ForeignKey(CadreReport, on_delete=models.CASCADE, related_name="rows")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("干部"), on_delete=models.PROTECT,
                               related_name="+")
    units = models.JSONField(_("所管门店"), default=list)
    figures = models.JSONField(_("本季数据"), default=dict)
    suggested_ability = models.CharField(_("建议能力评级"), max_length=1, choices=Ability.choices)
    suggested_post = models.CharField(_("建议职务调整"), max_length=20, choices=Post.choices)
    suggested_pay = models.CharField(_("建议薪资调整"), max_length=10, choices=Pay.choices)
    reasons = models.JSONField(_("建议理由"), default=dict)
    ability = models.CharField(_("能力评级"), max_length=1, choices=Ability.choices)
    post = models.CharField(_("职务调整"), max_length=20, choices=Post.choices)
    pay = models.CharField(_("薪资调整"), max_length=10, choices=Pay.choices)
    comment = models.TextField(_("评语及培养措施"), blank=True, max_length=2000)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    edited_at = models.DateTimeField(_("修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("干部评估")
        verbose_name_plural = _("干部评估")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["report", "person"], name="cadres_person_once_per_report")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.person_id}"

    @property
    def changed(self) -> bool:
        """Whether the final judgement differs from the suggestion."""
        return (self.ability, self.post, self.pay) != (self.suggested_ability, self.suggested_post, self.suggested_pay)
