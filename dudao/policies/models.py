from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel
from dudao.org.choices import Role


class PolicyVersion(OrgScopedModel):
    """A dated change to an organisation's policy (制度修订): from `effective_from` on, the
    organisation's policy is its pack with these overrides, until the next version takes over.

    `overrides` is the complete set of values that differ from the pack, not a change against the
    previous version. Versions are never back-dated, so a judgment already made under the policy in
    force on its date (a score, a deadline, a bonus) stays explainable.
    """

    effective_from = models.DateField(_("生效日期"))
    overrides = models.JSONField(_("覆盖值"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("设置人"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Part of the policy cache key, so replacing a version's overrides is never served stale.
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # Only admins see or change policy; admin is organisation-wide, so no unit path is involved.
    scope_path_field = "organization__id"
    scope_roles = {"view": frozenset({Role.ADMIN}), "manage": frozenset({Role.ADMIN})}

    class Meta:
        ordering = ["organization", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "effective_from"], name="policy_version_once_per_day"),
        ]
        verbose_name = _("制度版本")
        verbose_name_plural = _("制度版本")

    def __str__(self) -> str:
        return f"{self.organization_id} · {self.effective_from.isoformat()}"
