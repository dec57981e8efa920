from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..scoping import OrgScopedModel


class Attachment(OrgScopedModel):
    """An evidence file (photo or PDF) as stored: sniffed, re-encoded when an image, never overwritten.

    An attachment first belongs to its uploader; once attached to an object (an inspection answer,
    a finding) it is seen by whoever sees that object's unit.
    """

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attachments"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    file = models.FileField(_("文件"), upload_to="attachments/%Y/%m/", max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    client_id = models.CharField(_("客户端编号"), max_length=64, blank=True)

    scope_path_field = "unit__path"
    scope_roles = {"view": None}

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        # A retried upload (same uploader, same client id) finds the first one: see core.idempotency.
        constraints = [models.UniqueConstraint(fields=["organization", "uploaded_by", "client_id"],
                                               condition=~Q(client_id=""), name="core_attachment_client_id")]

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def scope_extra(cls, actor, action):
        # The uploader keeps seeing their own upload, attached or not.
        return Q(uploaded_by_id=actor.pk)
