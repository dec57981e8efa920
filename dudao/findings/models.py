from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel
from dudao.org.choices import Role
from dudao.policies.choices import Severity

from .choices import FindingEventKind, FindingSource, FindingStatus

FINDING_READERS = frozenset({
    Role.ADMIN, Role.EXECUTIVE, Role.OPS_MANAGER, Role.SUPERVISOR, Role.DEPARTMENT_HEAD,
    Role.REGION_MANAGER, Role.UNIT_MANAGER,
})


class Finding(OrgScopedModel):
    """A problem (问题) found at a unit, and its rectification (整改) until a supervisor verifies it.

    Made by inspection submit (one per failed item) or by hand. `overdue` is derived (past due and
    not closed); `escalation_level` is set by the escalation job from the policy ladder.
    """

    unit = models.ForeignKey("org.Unit", verbose_name=_("责任机构"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("来源"), max_length=20, choices=FindingSource.choices)
    inspection = models.ForeignKey(
        "inspections.Inspection", verbose_name=_("检查"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="findings",
    )
    answer = models.ForeignKey(
        "inspections.Answer", on_delete=models.PROTECT, null=True, blank=True, related_name="findings"
    )
    item = models.ForeignKey(
        "checklists.Item", verbose_name=_("检查项"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    # The same item across template versions: lineage + code (repeat detection uses these).
    template_lineage = models.UUIDField(null=True, blank=True)
    item_code = models.CharField(_("检查项编码"), max_length=50, blank=True)
    title = models.CharField(_("标题"), max_length=300)
    description = models.TextField(_("描述"), blank=True)
    category = models.CharField(_("类别"), max_length=50, blank=True)
    severity = models.CharField(_("严重程度"), max_length=20, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(_("状态"), max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    round = models.PositiveIntegerField(_("整改轮次"), default=1)
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="responsible_findings",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("整改负责人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="owned_findings",
    )
    measures = models.TextField(_("整改措施"), blank=True)
    due_date = models.DateField(_("整改期限"))
    policy_due_date = models.DateField(_("制度期限"))
    escalation_level = models.PositiveSmallIntegerField(_("升级级别"), default=0)
    repeat = models.BooleanField(_("重复问题"), default=False)
    repeat_of = models.ForeignKey(
        "self", verbose_name=_("前次问题"), on_delete=models.PROTECT, null=True, blank=True, related_name="repeats"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("发现时间"))
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_by_inspection = models.ForeignKey(
        "inspections.Inspection", on_delete=models.PROTECT, null=True, blank=True, related_name="closed_findings"
    )
    evidence = models.ManyToManyField("core.Attachment", blank=True, related_name="+")

    scope_path_field = "unit__path"
    scope_roles = {
        "view": FINDING_READERS,
        "rectify": frozenset({Role.UNIT_MANAGER}),
        "verify": frozenset({Role.SUPERVISOR, Role.OPS_MANAGER, Role.ADMIN}),
        "report": frozenset({Role.SUPERVISOR, Role.OPS_MANAGER, Role.ADMIN, Role.REGION_MANAGER}),
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status", "due_date"], name="finding_status_due_idx"),
            models.Index(fields=["unit", "template_lineage", "item_code"], name="finding_repeat_idx"),
        ]
        verbose_name = _("问题")
        verbose_name_plural = _("问题")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("findings:finding-detail", args=[self.pk])

    def is_overdue(self, today) -> bool:
        return self.status != FindingStatus.CLOSED and self.due_date < today


class FindingEvent(models.Model):
    """One step in a finding's timeline: each transition, progress note, comment and photo."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=30, choices=FindingEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    round = models.PositiveIntegerField(default=1)
    attachments = models.ManyToManyField("core.Attachment", blank=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("问题事件")

    def __str__(self) -> str:
        return f"{self.finding_id} {self.kind}"
