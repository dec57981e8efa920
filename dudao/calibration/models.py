from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel
from dudao.org.choices import Role

from .choices import PAIR_STATUS_BADGES, PairStatus

# Who reads calibration: the operations department and administrators the whole organisation
# (`scope_extra`), a region manager their region. Supervisors never: the pairs are blind.
CALIBRATION_READERS = frozenset({Role.ADMIN, Role.OPS_MANAGER, Role.REGION_MANAGER})
ORGANISATION_READERS = frozenset({Role.ADMIN, Role.OPS_MANAGER})


class CalibrationPair(OrgScopedModel):
    """A calibration pair (校准复查): a submitted on-site inspection chosen by the policy share, and
    the second, blind inspection of the same unit with the same standard by a supervisor of another
    region within the policy's days. Comparing the two scores measures each inspector's drift."""

    first_inspection = models.OneToOneField(
        "inspections.Inspection", verbose_name=_("首次检查"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("org.Unit", verbose_name=_("被检机构"), on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(
        "checklists.Template", verbose_name=_("检查标准"), on_delete=models.PROTECT, related_name="+"
    )
    first_inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("首次督导"), on_delete=models.PROTECT, related_name="+"
    )
    second_supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("复查督导"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    second_visit = models.OneToOneField(
        "planning.Visit", verbose_name=_("复查走访"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    second_inspection = models.OneToOneField(
        "inspections.Inspection", verbose_name=_("复查检查"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=20, choices=PairStatus.choices)
    reason = models.CharField(_("未能安排的原因"), max_length=200, blank=True)
    selected_at = models.DateTimeField(_("抽中时间"))
    due_date = models.DateField(_("复查期限"))
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    scope_path_field = "unit__path"
    scope_roles = {"view": CALIBRATION_READERS}

    class Meta:
        ordering = ["-selected_at", "-id"]
        indexes = [models.Index(fields=["organization", "status", "due_date"], name="calibration_pair_status_idx")]
        verbose_name = _("校准复查")
        verbose_name_plural = _("校准复查")

    def __str__(self) -> str:
        return f"{self.unit} · {self.selected_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("calibration:pair-detail", args=[self.pk])

    @classmethod
    def scope_extra(cls, actor, action: str) -> Q | None:
        """The operations manager reads the whole organisation's calibration, wherever their role sits."""
        if actor.has_role(*ORGANISATION_READERS):
            return Q(organization_id=actor.organization_id)
        return None

    @property
    def status_badge(self) -> str:
        return PAIR_STATUS_BADGES.get(self.status, "")

    @property
    def difference(self):
        """First score minus second score, once both are known."""
        first = self.first_inspection.score
        second = self.second_inspection.score if self.second_inspection_id else None
        if self.status != PairStatus.COMPLETED or first is None or second is None:
            return None
        return first - second
