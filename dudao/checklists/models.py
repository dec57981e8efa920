from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dudao.core.scoping import EVERYWHERE, OrgScopedModel, OrgScopedQuerySet, is_active_actor
from dudao.org.choices import Role
from dudao.policies.choices import Severity

from .choices import SCORABLE_KINDS, ItemKind, TemplateStatus

TEMPLATE_EDITORS = frozenset({Role.ADMIN, Role.OPS_MANAGER, Role.SUPERVISOR})


class TemplateQuerySet(OrgScopedQuerySet):
    def visible_to(self, actor, action: str = "view"):
        """Standards are organisation-wide documents: anyone holding a role sees them; editors edit."""
        if not is_active_actor(actor):
            return self.none()
        paths = actor.scope_paths(self.model.scope_roles_for(action))
        if paths != EVERYWHERE and not paths:
            return self.none()
        return self.filter(organization_id=actor.organization_id)

    def published(self):
        return self.filter(status=TemplateStatus.PUBLISHED)


class Template(OrgScopedModel):
    """A checklist standard (检查标准) in one version. Published versions are frozen; editing one
    makes the next draft version of the same `lineage`, and inspections keep the version they used."""

    lineage = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    objects = TemplateQuerySet.as_manager()

    scope_roles = {"view": None, "manage": TEMPLATE_EDITORS}

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="template_version_once"),
            # At most one draft per lineage: editing a published version continues that draft.
            models.UniqueConstraint(
                fields=["lineage"], condition=Q(status="draft"), name="template_one_draft_per_lineage"
            ),
        ]
        verbose_name = _("检查标准")
        verbose_name_plural = pgettext_lazy("navigation", "检查标准")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("checklists:template-detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == TemplateStatus.DRAFT


class Section(models.Model):
    """A titled group of items in a template (e.g. 卫生 / 服务 / 安全)."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("标题"), max_length=200)
    position = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("分组")

    def __str__(self) -> str:
        return self.title


class Item(models.Model):
    """One thing the inspector checks, with how it scores and how serious failing it is."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("顺序"), default=0)
    code = models.CharField(_("编码"), max_length=50)
    text = models.CharField(_("检查内容"), max_length=500)
    guidance = models.TextField(_("检查方法/标准说明"), blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=ItemKind.choices, default=ItemKind.CHECK)
    points = models.DecimalField(_("分值"), max_digits=7, decimal_places=2, default=Decimal("0"))
    pass_points = models.DecimalField(_("合格分"), max_digits=7, decimal_places=2, null=True, blank=True)
    min_value = models.DecimalField(_("最小值"), max_digits=14, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("最大值"), max_digits=14, decimal_places=4, null=True, blank=True)
    options = models.JSONField(_("选项"), default=list, blank=True)
    severity = models.CharField(_("严重程度"), max_length=20, choices=Severity.choices, default=Severity.MEDIUM)
    critical = models.BooleanField(_("红线项(一票否决)"), default=False)
    photo_required = models.BooleanField(_("必须拍照"), default=False)
    category = models.CharField(_("问题类别"), max_length=50, blank=True)

    class Meta:
        ordering = ["section__position", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="item_code_unique_in_template")]
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")

    def __str__(self) -> str:
        return f"{self.code} {self.text}"

    @property
    def is_scorable(self) -> bool:
        return self.kind in SCORABLE_KINDS

    @property
    def effective_pass_points(self) -> Decimal:
        return self.pass_points if self.pass_points is not None else self.points

    @property
    def bound_text(self) -> str:
        """A number item's accepted range as people read it: "90 – 100", "≥ 95" or "≤ 5"."""
        return bound_text(self.min_value, self.max_value)


def _plain(value) -> str:
    text = format(Decimal(str(value)).normalize(), "f")
    return "0" if text == "-0" else text


def bound_text(low, high) -> str:
    """The range a measured value must lie in, either side optional (a missing bound is unbounded):
    "90 – 100", "≥ 95", "≤ 5"; "" when there is no bound at all."""
    if low is not None and high is not None:
        return f"{_plain(low)} – {_plain(high)}"
    if low is not None:
        return f"≥ {_plain(low)}"
    if high is not None:
        return f"≤ {_plain(high)}"
    return ""
