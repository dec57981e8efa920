"""The discipline ledger (DESIGN.md 2.12): violations signed by the party, the witness and the handler."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel

from .choices import ViolationKind, ViolationStatus
from .permissions import HANDLERS, LEDGER_READERS


class Violation(OrgScopedModel):
    """One violation of one person at a unit. It counts only once the party, the witness and the
    handler (its recorder) have all confirmed; an upheld appeal overturns it."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("当事人"), on_delete=models.PROTECT,
                               related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=ViolationKind.choices)
    occurred_at = models.DateTimeField(_("发生时间"))
    description = models.TextField(_("经过"), blank=True)
    witness = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("证明人"), on_delete=models.PROTECT,
                                related_name="+")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), on_delete=models.PROTECT,
                                related_name="+")
    card = models.CharField(_("牌"), max_length=10, blank=True)
    fine = models.DecimalField(_("罚款"), max_digits=10, decimal_places=2, default=0)
    deducts_day_pay = models.BooleanField(_("另扣当日工资"), default=False)
    status = models.CharField(_("状态"), max_length=20, choices=ViolationStatus.choices,
                              default=ViolationStatus.PENDING)
    party_confirmed_at = models.DateTimeField(_("当事人确认"), null=True, blank=True)
    witness_confirmed_at = models.DateTimeField(_("证明人确认"), null=True, blank=True)
    handler_confirmed_at = models.DateTimeField(_("处理人确认"), null=True, blank=True)
    effective_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    appeal = models.ForeignKey("approvals.ApprovalRequest", verbose_name=_("复议"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    attachments = models.ManyToManyField("core.Attachment", blank=True, related_name="+")
    client_id = models.CharField(_("客户端编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_roles = {"view": LEDGER_READERS, "manage": HANDLERS}

    class Meta:
        verbose_name = _("违规记录")
        verbose_name_plural = _("违规记录")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "handler", "client_id"], condition=~Q(client_id=""),
                                    name="discipline_violation_client_id"),
        ]
        indexes = [models.Index(fields=["person", "occurred_at"], name="discipline_person_time")]

    @classmethod
    def scope_extra(cls, actor, action: str) -> Q | None:
        # The party and the witness read (and confirm) what they are asked to sign.
        return Q(person_id=actor.pk) | Q(witness_id=actor.pk) if action == "view" else None

    def confirmations(self) -> dict[str, bool]:
        return {"party": self.party_confirmed_at is not None, "witness": self.witness_confirmed_at is not None,
                "handler": self.handler_confirmed_at is not None}

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person_id} {self.occurred_at:%Y-%m-%d}"
