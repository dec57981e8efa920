from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel, paths_filter
from dudao.org.choices import Role

from .choices import BulletinOrigin, BulletinStatus, ReportSource, ReportStatus

# Who reads reports and bulletins of the units they hold a role over.
READERS = frozenset({
    Role.ADMIN, Role.EXECUTIVE, Role.OPS_MANAGER, Role.SUPERVISOR, Role.DEPARTMENT_HEAD, Role.REGION_MANAGER,
})
# Who drafts, edits and submits reports, and compiles and publishes bulletins (the supervision department).
WRITERS = frozenset({Role.ADMIN, Role.OPS_MANAGER, Role.SUPERVISOR})
UNIT_MANAGERS = frozenset({Role.UNIT_MANAGER})


def ancestor_paths(path: str) -> list[str]:
    """"/1/4/17/" -> ["/1/", "/1/4/", "/1/4/17/"]: the unit's own path and each ancestor's."""
    parts = [part for part in path.strip("/").split("/") if part]
    return ["/" + "/".join(parts[: index + 1]) + "/" for index in range(len(parts))]


class Report(OrgScopedModel):
    """A supervision report (督导报告) on one inspection, a plan, or a period and a unit subtree.

    Its sections are drafted from the data (plan execution, highlights, problems, analysis,
    recommendations, rectification) as editable text; `data` keeps the figures behind the tables and
    charts as they were when drafted. Editable while a draft; submitted for approval; once approved
    the managers of the inspected units (`units`) read it too.
    """

    title = models.CharField(_("标题"), max_length=200)
    source = models.CharField(_("来源"), max_length=20, choices=ReportSource.choices)
    inspection = models.ForeignKey(
        "inspections.Inspection", verbose_name=_("检查"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    plan = models.ForeignKey(
        "planning.Plan", verbose_name=_("督导计划"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scope_unit = models.ForeignKey("org.Unit", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    sections = models.JSONField(_("正文"), default=dict, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True, editable=False)
    units = models.ManyToManyField("org.Unit", verbose_name=_("被检机构"), blank=True, related_name="+")
    approval = models.ForeignKey(
        "approvals.ApprovalRequest", verbose_name=_("审批单"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("起草时间"))
    updated_at = models.DateTimeField(_("修改时间"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)

    scope_path_field = "scope_unit__path"
    scope_roles = {"view": READERS, "manage": WRITERS}

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at", "-id"], name="report_list_idx")]
        verbose_name = _("督导报告")
        verbose_name_plural = _("督导报告")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reporting:report-detail", args=[self.pk])

    @classmethod
    def scope_extra(cls, actor, action):
        if action != "view":
            return None
        from dudao.approvals.models import ApprovalStep

        # Approvers read what they are asked to decide, even outside their own subtree.
        condition = Q(approval_id__in=ApprovalStep.objects.filter(approvers=actor).values("request_id"))
        managed = actor.scope_paths(UNIT_MANAGERS)
        if managed:
            inspected = Report.units.through.objects.filter(paths_filter("unit__path", managed)).values("report_id")
            condition |= Q(status=ReportStatus.APPROVED, pk__in=inspected)
        return condition

    @property
    def is_editable(self) -> bool:
        return self.status == ReportStatus.DRAFT


class Bulletin(OrgScopedModel):
    """A supervision bulletin (督导检查公报) for a period and a unit subtree: the units ranked by their
    inspection scores, the most common problems, repeat offenders, overdue rectification and good
    practice. Compiled by the periodic job or on demand; a draft until published; once published every
    unit manager in scope reads it and each unit's read is recorded (`BulletinRead`)."""

    title = models.CharField(_("标题"), max_length=200)
    scope_unit = models.ForeignKey("org.Unit", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT
    )
    origin = models.CharField(_("编制方式"), max_length=20, choices=BulletinOrigin.choices)
    data = models.JSONField(_("内容"), default=dict, blank=True, editable=False)
    compiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("编制人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    compiled_at = models.DateTimeField(_("编制时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    scope_path_field = "scope_unit__path"
    scope_roles = {
        "view": READERS,
        "manage": WRITERS,
        "follow": READERS,  # who sees which units have read it
        "read": frozenset(),  # unit managers only, through scope_extra
    }

    class Meta:
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope_unit", "period_start", "period_end"], name="bulletin_once_per_scope_and_period"
            ),
        ]
        verbose_name = _("督导检查公报")
        verbose_name_plural = _("督导检查公报")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reporting:bulletin-detail", args=[self.pk])

    @classmethod
    def scope_extra(cls, actor, action):
        if action not in {"view", "read"}:
            return None
        managed = actor.scope_paths(UNIT_MANAGERS)
        if not managed:
            return None
        # A published bulletin reaches every unit manager whose unit lies in its scope.
        above = sorted({path for unit_path in managed for path in ancestor_paths(unit_path)})
        return Q(status=BulletinStatus.PUBLISHED, scope_unit__path__in=above)

    @property
    def is_published(self) -> bool:
        return self.status == BulletinStatus.PUBLISHED


class BulletinRead(models.Model):
    """One unit's receipt of a published bulletin: made for every site unit in scope when it is
    published, read when the unit's manager opens or marks it, reminded once if it stays unread."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="receipts")
    unit = models.ForeignKey("org.Unit", verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("阅读人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)

    class Meta:
        ordering = ["bulletin", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["bulletin", "unit"], name="bulletin_read_once_per_unit")]
        indexes = [models.Index(fields=["read_at", "reminded_at"], name="bulletin_unread_idx")]
        verbose_name = _("公报阅读回执")
        verbose_name_plural = _("公报阅读回执")

    def __str__(self) -> str:
        return f"{self.bulletin_id} · {self.unit_id}"
