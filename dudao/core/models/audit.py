from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One recorded change: who did what to which object, with the state before and after.

    Rows are append-only (database triggers refuse UPDATE and DELETE) and chained: each row's
    hash covers its own content and the previous row's hash, so altering, removing or inserting
    a row breaks the chain at that point.
    """

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    organization_id = models.BigIntegerField(_("组织"), null=True, db_index=True)
    actor_id = models.BigIntegerField(_("操作人"), null=True)
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    at = models.DateTimeField(_("时间"))
    object_type = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象编号"), max_length=64)
    action = models.CharField(_("动作"), max_length=100)
    before = models.JSONField(_("变更前"), null=True)
    after = models.JSONField(_("变更后"), null=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # HMAC-SHA256 of `hash` under the audit key, which is kept outside the database: whoever can
    # write to the tables but lacks the key cannot recompute a chain that still verifies.
    mac = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """The single row naming the chain's last event, so a removed tail is noticed too.

    Database triggers refuse deleting it, moving it back, or pointing it at an event that does not
    exist; its `mac` (keyed like the events') makes a head moved with the triggers dropped show.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    mac = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"head #{self.seq}"
