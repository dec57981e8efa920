from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dudao.core.scoping import OrgScopedModel
from dudao.org.choices import Role

from .choices import COUNTING_STATUSES, InspectionMode, InspectionStatus, LocationFlag
from .workflow import INSPECTION

INSPECTION_READERS = frozenset({
    Role.ADMIN, Role.EXECUTIVE, Role.OPS_MANAGER, Role.SUPERVISOR, Role.DEPARTMENT_HEAD,
    Role.REGION_MANAGER, Role.UNIT_MANAGER,
})
INSPECTORS = frozenset({Role.ADMIN, Role.OPS_MANAGER, Role.SUPERVISOR})
# An inspection that counts in figures, whatever the period (`dudao.facts.figures`, the one
# definition, and the few readers below facts): submitted or acknowledged, and not a calibration.
COUNTED = Q(status__in=COUNTING_STATUSES, calibration=False)


class Inspection(OrgScopedModel):
    """One supervision visit's record (现场督导 / 巡店): the answers against a standard, the score,
    and the unit manager's acknowledgement. Submitted answers never change."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("被检机构"), on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(
        "checklists.Template", verbose_name=_("检查标准"), on_delete=models.PROTECT, related_name="inspections"
    )
    visit = models.ForeignKey(
        "planning.Visit", verbose_name=_("计划走访"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="inspections",
    )
    follow_up_of = models.ForeignKey(
        "self", verbose_name=_("复查对象"), on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups"
    )
    # A follow-up inspection answers only the items its original failed; empty means every item.
    carried_item_ids = models.JSONField(default=list, blank=True, editable=False)
    mode = models.CharField(_("方式"), max_length=20, choices=InspectionMode.choices, default=InspectionMode.ON_SITE)
    status = models.CharField(
        _("状态"), max_length=20, choices=InspectionStatus.choices, default=InspectionStatus.DRAFT
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("督导"), on_delete=models.PROTECT, related_name="inspections"
    )
    client_id = models.CharField(_("客户端编号"), max_length=64, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    performed_at = models.DateTimeField(_("检查时间"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    opening_notes = models.TextField(_("开场记录"), blank=True)
    interview_notes = models.TextField(_("访谈记录"), blank=True)
    figures = models.JSONField(_("采集数据"), default=dict, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    location_accuracy_m = models.FloatField(_("定位精度(米)"), null=True, blank=True)
    # Metres from the unit's coordinates (WGS-84, haversine), when both positions are known.
    distance_m = models.PositiveIntegerField(_("距门店(米)"), null=True, blank=True)
    location_flag = models.CharField(_("定位核验"), max_length=10, choices=LocationFlag.choices, blank=True)
    # The supervisor's stated reason for checking in without a position or outside the geofence:
    # the exception the policy allows, kept as evidence.
    location_reason = models.CharField(_("定位说明"), max_length=500, blank=True)
    # A calibration's blind second inspection (made for a visit granted through `registry`): an
    # assessment of the inspectors, not a verdict on the unit. It counts in no figure, raises no
    # finding and is not acknowledged (`facts.figures.counted_inspections`, `inspection_submit`).
    calibration = models.BooleanField(_("校准复查"), default=False)
    earned_points = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    possible_points = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("合格"), null=True, blank=True)
    critical_failed = models.BooleanField(_("红线不合格"), default=False)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签收人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledgement_comment = models.TextField(_("签收意见"), blank=True)
    # The on-site signature (现场签字): the unit's person in charge signs on the inspector's phone
    # at the end of the visit, before submit, online or offline.
    onsite_signature = models.ForeignKey(
        "core.Attachment", verbose_name=_("现场签字"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    onsite_signer_name = models.CharField(_("现场签字人"), max_length=60, blank=True)
    onsite_signed_at = models.DateTimeField(_("现场签字时间"), null=True, blank=True)

    scope_path_field = "unit__path"
    scope_roles = {
        "view": INSPECTION_READERS,
        "inspect": INSPECTORS,
        "acknowledge": frozenset({Role.UNIT_MANAGER}),
    }

    class Meta:
        ordering = ["-performed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "client_id"], condition=~Q(client_id=""),
                name="inspection_client_id_once",
            ),
        ]
        # Lists and analytics by period; the included columns make score aggregates index-only on
        # PostgreSQL.
        indexes = [models.Index(fields=["organization", "status", "performed_at"], include=["score", "unit"],
                                name="inspection_list_idx")]
        verbose_name = _("检查")
        verbose_name_plural = pgettext_lazy("navigation", "检查")

    def __str__(self) -> str:
        return f"{self.unit} · {self.template.name} · {self.performed_at:%Y-%m-%d}"

    @classmethod
    def scope_extra(cls, actor, action: str) -> Q | None:
        """Besides their scope, an inspector sees and answers the inspections they made for a visit
        granted to them outside it (`registry`: calibration's second inspections)."""
        from . import registry

        return registry.own_granted_inspections(actor) if action in ("view", "inspect") else None

    def get_absolute_url(self) -> str:
        return reverse("inspections:inspection-detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return INSPECTION.editable(self)

    @property
    def distance_text(self) -> str:
        """The check-in's distance from the unit as read ("850 米", "2.0 公里"), "" when unknown."""
        from .location import distance_text

        return "" if self.distance_m is None else distance_text(self.distance_m)


class Answer(models.Model):
    """The answer to one item. Before submit it is upserted; after, a correction is a new answer that
    references the one it replaces (`corrects`), which stays as it was."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey("checklists.Item", on_delete=models.PROTECT, related_name="+")
    value = models.JSONField(_("答案"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    attachments = models.ManyToManyField("core.Attachment", blank=True, related_name="+")
    earned = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    possible = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    failed = models.BooleanField(default=False)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("作答时间"))
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    is_current = models.BooleanField(default=True)
    # A correction sent with the phone's own id: a retry with the same id from the same person
    # answers this answer instead of correcting again; the fingerprint of what was asked tells a
    # retry from another correction reusing the id (409).
    client_id = models.CharField(_("客户端编号"), max_length=64, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["item__section__position", "item__position", "item_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "item"], condition=Q(is_current=True), name="one_current_answer_per_item"
            ),
            models.UniqueConstraint(
                fields=["inspection", "answered_by", "client_id"], condition=~Q(client_id=""),
                name="answer_client_id_once",
            ),
        ]
        verbose_name = _("答案")

    def __str__(self) -> str:
        return f"{self.item.code}: {self.value}"
