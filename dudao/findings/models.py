from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel
from dudao.org.choices import Role
from dudao.policies.choices import SEVERITY_BADGES, Severity

from .choices import (
    EXTENSION_STATUS_BADGES,
    FINDING_EVENT_BADGES,
    FINDING_STATUS_BADGES,
    ExtensionStatus,
    FindingEventKind,
    FindingSource,
    FindingStatus,
)

FINDING_READERS = frozenset({
    Role.ADMIN, Role.EXECUTIVE, Role.OPS_MANAGER, Role.SUPERVISOR, Role.DEPARTMENT_HEAD,
    Role.REGION_MANAGER, Role.UNIT_MANAGER,
})
RECTIFIERS = frozenset({Role.UNIT_MANAGER})
VERIFIERS = frozenset({Role.SUPERVISOR, Role.OPS_MANAGER, Role.ADMIN})
REPORTERS = frozenset({Role.SUPERVISOR, Role.OPS_MANAGER, Role.ADMIN, Role.REGION_MANAGER})


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
    # The latest approved extension: planning may go up to it instead of the policy deadline.
    extended_due_date = models.DateField(_("延期后期限"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交验收时间"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("升级级别"), default=0)
    repeat = models.BooleanField(_("重复问题"), default=False)
    repeat_of = models.ForeignKey(
        "self", verbose_name=_("前次问题"), on_delete=models.PROTECT, null=True, blank=True, related_name="repeats"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("发现时间"))
    # The recording phone's own id for a finding made by hand: a retry with the same id from the same
    # person answers the finding made the first time (`core.idempotency`).
    client_id = models.CharField(_("客户端编号"), max_length=64, blank=True, default="")
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_by_inspection = models.ForeignKey(
        "inspections.Inspection", on_delete=models.PROTECT, null=True, blank=True, related_name="closed_findings"
    )
    closed_by_answer = models.ForeignKey(
        "inspections.Answer", verbose_name=_("复查答案"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="closed_findings",
    )
    evidence = models.ManyToManyField("core.Attachment", blank=True, related_name="+")
    # The due date a reminder or overdue notice was last sent for, so the job tells people once per
    # deadline (an approved extension gives a new deadline, which is told again).
    due_soon_notified_for = models.DateField(null=True, blank=True, editable=False)
    overdue_notified_for = models.DateField(null=True, blank=True, editable=False)

    scope_path_field = "unit__path"
    scope_roles = {
        "view": FINDING_READERS,
        "rectify": RECTIFIERS,
        "verify": VERIFIERS,
        "report": REPORTERS,
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status", "due_date"], name="finding_status_due_idx"),
            models.Index(fields=["unit", "template_lineage", "item_code"], name="finding_repeat_idx"),
            models.Index(fields=["organization", "-created_at", "-id"], name="finding_list_idx"),
            models.Index(fields=["unit", "-created_at", "-id"], name="finding_unit_list_idx"),
            # Analytics over a period: findings due in it (on-time closure), closed in it (closure
            # days), raised in it (severity, repeat). The included columns make the aggregates
            # index-only on PostgreSQL; other databases build the plain index.
            models.Index(fields=["organization", "due_date"], include=["closed_at", "unit"],
                         name="finding_due_idx"),
            models.Index(fields=["organization", "closed_at"], include=["created_at", "unit"],
                         condition=Q(closed_at__isnull=False), name="finding_closed_idx"),
            models.Index(fields=["organization", "created_at"], include=["severity", "repeat", "unit"],
                         name="finding_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organization", "created_by", "client_id"], condition=~Q(client_id=""),
                                    name="finding_client_id_once"),
        ]
        verbose_name = _("问题")
        verbose_name_plural = _("问题")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("findings:finding-detail", args=[self.pk])

    @classmethod
    def scope_extra(cls, actor, action):
        # Whoever answers for a finding or carries out its rectification sees it, whatever their role
        # (a member of staff named owner). Owners and responsible people work at the unit, so someone
        # holding only reader roles sees their findings through the tree already; leaving the OR out
        # for them keeps the list's count an indexed subtree scan.
        if action == "view" and actor.roles() - FINDING_READERS:
            return Q(owner_id=actor.pk) | Q(responsible_person_id=actor.pk)
        return None

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Past its due date and not closed (the due date itself still counts as in time)."""
        today = today or timezone.localdate()
        return self.status != FindingStatus.CLOSED and self.due_date < today

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    def days_overdue(self, today: dt.date) -> int:
        """Whole days past the due date (0 or less while in time)."""
        return (today - self.due_date).days

    @property
    def status_badge(self) -> str:
        return FINDING_STATUS_BADGES.get(self.status, "")

    @property
    def severity_badge(self) -> str:
        return SEVERITY_BADGES.get(self.severity, "")

    @property
    def deadline_limit(self) -> dt.date:
        """The latest due date a plan may set: the policy deadline, or an approved extension."""
        if self.extended_due_date and self.extended_due_date > self.policy_due_date:
            return self.extended_due_date
        return self.policy_due_date


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
    # The phone's (or the page form's) own id for a step sent from the field (progress, submit,
    # extension request, comment): a retry with the same id from the same person answers the step
    # taken the first time instead of taking it again (`core.idempotency`).
    client_id = models.CharField(_("客户端编号"), max_length=64, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["finding", "actor", "client_id"], condition=~Q(client_id=""),
                                    name="finding_event_client_id_once"),
        ]
        verbose_name = _("问题事件")

    def __str__(self) -> str:
        return f"{self.finding_id} {self.kind}"

    @property
    def badge(self) -> str:
        return FINDING_EVENT_BADGES.get(self.kind, "")


class FindingExtension(models.Model):
    """A request to move a finding's rectification deadline (整改延期), as the finding records it.

    The unit side asks with a reason; the approval engine decides it (`approval`, kind
    `rectification_extension`, routed by policy) and its outcome handler copies the decision here.
    At most one request per finding is pending at a time. Requests decided before the approval
    engine took them over have no approval.
    """

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    previous_due_date = models.DateField(_("原整改期限"))
    requested_due_date = models.DateField(_("申请延至"))
    reason = models.TextField(_("申请理由"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    approval = models.OneToOneField(
        "approvals.ApprovalRequest", verbose_name=_("审批单"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["finding"], condition=Q(status="pending"), name="finding_one_pending_extension"
            ),
        ]
        verbose_name = _("整改延期")
        verbose_name_plural = _("整改延期")

    def __str__(self) -> str:
        return f"{self.finding_id} -> {self.requested_due_date}"

    @property
    def status_badge(self) -> str:
        return EXTENSION_STATUS_BADGES.get(self.status, "")
