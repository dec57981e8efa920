from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel
from dudao.org.choices import Role

from .choices import ApprovalKind, ApprovalStatus, StepStatus

# Who sees the requests of the units they hold a role over (besides requesters and approvers).
REQUEST_READERS = frozenset({
    Role.ADMIN, Role.EXECUTIVE, Role.OPS_MANAGER, Role.DEPARTMENT_HEAD, Role.REGION_MANAGER,
    Role.UNIT_MANAGER, Role.FINANCE,
})


class ApprovalRequest(OrgScopedModel):
    """A request that needs sign-off (审批单): a purchase, a write-off, activity funds, a target
    revision, a recruitment plan, or, asked by another app, a plan, a report, a rectification extension.

    Its steps come from the policy's routing table for its kind and amount, resolved to the people
    who hold each step's role over the requesting unit (routing.py). `subject_type`/`subject_id`
    name the object another app asked approval for (a plan, a finding); that app learns the outcome
    through the outcome-handler registry (registry.py).
    """

    kind = models.CharField(_("类型"), max_length=40, choices=ApprovalKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    amount = models.DecimalField(_("金额(元)"), max_digits=14, decimal_places=2, null=True, blank=True)
    unit = models.ForeignKey("org.Unit", verbose_name=_("申请机构"), on_delete=models.PROTECT, related_name="+")
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="approval_requests"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    subject_type = models.CharField(_("审批对象类型"), max_length=100, blank=True)
    subject_id = models.CharField(_("审批对象编号"), max_length=64, blank=True)
    attachments = models.ManyToManyField("core.Attachment", verbose_name=_("附件"), blank=True, related_name="+")
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    scope_path_field = "unit__path"
    scope_roles = {"view": REQUEST_READERS}

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "status", "created_at"], name="approval_status_idx")]
        verbose_name = _("审批单")
        verbose_name_plural = _("审批单")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("approvals:detail", args=[self.pk])

    @classmethod
    def scope_extra(cls, actor, action):
        # Requesters follow their own requests; approvers see what they are (or were) asked to decide,
        # even when the requesting unit lies outside their own subtree (a department head and a store).
        return Q(requester_id=actor.pk) | Q(pk__in=ApprovalStep.objects.filter(approvers=actor).values("request_id"))

    def steps_in_order(self) -> list[ApprovalStep]:
        """The steps, from a prefetch when there is one."""
        return sorted(self.steps.all(), key=lambda step: step.position)

    def current_step(self) -> ApprovalStep | None:
        """The step waiting for a decision, or None once the request is decided."""
        return next((step for step in self.steps_in_order() if step.status == StepStatus.PENDING), None)


class ApprovalStep(models.Model):
    """One sign-off in a request's chain: the role that decides it, the people holding that role over
    the requesting unit, the decision with its comment, and the deadline (policy days)."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("顺序"))
    role = models.CharField(_("审批角色"), max_length=30, choices=Role.choices)
    status = models.CharField(_("状态"), max_length=20, choices=StepStatus.choices, default=StepStatus.WAITING)
    approvers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    comment = models.TextField(_("审批意见"), blank=True)
    activated_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("审批期限"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("催办时间"), null=True, blank=True)

    class Meta:
        ordering = ["request", "position"]
        constraints = [models.UniqueConstraint(fields=["request", "position"], name="approval_step_once")]
        indexes = [models.Index(fields=["status", "due_at"], name="approval_step_due_idx")]
        verbose_name = _("审批步骤")
        verbose_name_plural = _("审批步骤")

    def __str__(self) -> str:
        return f"{self.request_id}#{self.position} {self.role}"

    def is_overdue(self, now=None) -> bool:
        return (
            self.status == StepStatus.PENDING and self.due_at is not None and self.due_at < (now or timezone.now())
        )
