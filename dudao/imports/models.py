from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel

from .choices import ONBOARDING, STATUS_BADGES, ImportStatus


class ImportRun(OrgScopedModel):
    """One import as an administrator ran it: the file exactly as uploaded (with its SHA-256), who
    ran it and when, whether it was a dry run, and what it found (errors per row) or changed."""

    kind = models.CharField(_("类型"), max_length=30)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64)
    mapping = models.JSONField(_("列对应"), default=dict, blank=True)
    dry_run = models.BooleanField(_("试运行"), default=True)
    status = models.CharField(_("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    processed = models.PositiveIntegerField(_("已处理行数"), default=0)
    created = models.PositiveIntegerField(_("新建"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    changes = models.JSONField(_("变更"), default=list, blank=True)
    source = models.ForeignKey(
        "self", verbose_name=_("试运行记录"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="applications",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    # Runs are seen and run by the roles that may import some kind (administrators; for appraisal
    # data also ops managers and HR: `permissions.all_importers`), over the runs of people in their
    # subtrees and their own; `selectors.runs_for` narrows that to the kinds the person may import.
    scope_path_field = "created_by__role_assignments__unit__path"
    scope_roles = {"view": frozenset({"admin"}), "run": frozenset({"admin"})}  # widened below

    @classmethod
    def scope_roles_for(cls, action: str):
        from .permissions import all_importers

        super().scope_roles_for(action)  # an unknown action is still refused
        return all_importers()

    @classmethod
    def scope_extra(cls, actor, action: str):
        return models.Q(created_by_id=actor.pk)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("imports:run-detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in {ImportStatus.VALIDATED, ImportStatus.FAILED, ImportStatus.APPLIED}

    @property
    def kind_label(self) -> str:
        from .registry import kind_for

        if self.kind == ONBOARDING:
            return str(_("开业导入（机构+人员）"))
        kind = kind_for(self.kind)
        return str(kind.label) if kind else self.kind

    @property
    def status_badge(self) -> str:
        return STATUS_BADGES.get(self.status, "muted")

    @property
    def percent(self) -> int:
        return min(100, int(self.processed * 100 / self.rows)) if self.rows else 0
