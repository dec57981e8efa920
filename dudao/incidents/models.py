"""Incidents, complaints and inquiries (DESIGN.md 2.13) with the policy's deadlines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel

from .choices import IncidentKind, IncidentSeverity, IncidentStatus
from .permissions import REPORTERS, RESPONDERS


class Incident(OrgScopedModel):
    """Something that happened at a unit or came in from a customer. `due_at` is its deadline: a
    major incident's report deadline (occurred + policy hours), a complaint's or an inquiry's
    answer deadline (end of the day it came in + policy days). `late` says the deadline was missed
    (reported after it, or answered after it, or not answered and past it)."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=IncidentKind.choices)
    severity = models.CharField(_("程度"), max_length=10, choices=IncidentSeverity.choices,
                                default=IncidentSeverity.MINOR)
    quality = models.BooleanField(_("质量问题"), default=False)
    occurred_at = models.DateTimeField(_("发生时间"))
    description = models.TextField(_("经过"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报告人"), on_delete=models.PROTECT,
                                    related_name="+")
    reported_at = models.DateTimeField(_("报告时间"), default=timezone.now)
    due_at = models.DateTimeField(_("时限"), null=True, blank=True)
    on_site_due_at = models.DateTimeField(_("到场时限"), null=True, blank=True)
    reported_late = models.BooleanField(_("迟报"), default=False)
    status = models.CharField(_("状态"), max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    response = models.TextField(_("答复/处理"), blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    finding = models.ForeignKey("findings.Finding", verbose_name=_("转为问题"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    client_id = models.CharField(_("客户端编号"), max_length=64, blank=True)

    scope_roles = {"view": REPORTERS, "manage": RESPONDERS}

    class Meta:
        verbose_name = _("事故/投诉")
        verbose_name_plural = _("事故/投诉")
        ordering = ["-reported_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "reported_by", "client_id"],
                                               condition=~Q(client_id=""), name="incidents_client_id")]

    def is_late(self, now=None) -> bool:
        now = now or timezone.now()
        if self.reported_late:
            return True
        if self.kind == IncidentKind.INCIDENT or self.due_at is None:
            return False
        answered = self.responded_at or now
        return answered > self.due_at

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.unit_id} {self.occurred_at:%Y-%m-%d}"
