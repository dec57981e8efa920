from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..scoping import OrgScopedModel

# Who may fetch a photo's stored original (no watermark): those who judge evidence. Everyone else
# who sees an attachment gets the watermarked copy. Role codes as in org.choices.Role.
ORIGINAL_READERS = frozenset({"admin", "executive", "ops_manager", "department_head", "supervisor"})


class EvidenceSource(models.TextChoices):
    """How a photo was taken, as the client reports it (or "unknown")."""

    CAMERA = "camera", _("现场拍摄")
    GALLERY = "gallery", _("相册选取")
    UNKNOWN = "unknown", _("未知")


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
    # Evidence metadata: what the client said when uploading, or else what the photo's own EXIF
    # said before it was stripped. Kept here, never in the served file.
    captured_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    latitude = models.DecimalField(
        _("纬度"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    accuracy_m = models.FloatField(_("定位精度(米)"), null=True, blank=True, validators=[MinValueValidator(0)])
    device = models.CharField(_("设备"), max_length=200, blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=EvidenceSource.choices, default=EvidenceSource.UNKNOWN
    )
    metadata_from_exif = models.BooleanField(_("元数据取自 EXIF"), default=False)

    scope_path_field = "unit__path"
    scope_roles = {"view": None, "original": ORIGINAL_READERS}

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        # A retried upload (same uploader, same client id) finds the first one: see core.idempotency.
        constraints = [models.UniqueConstraint(fields=["organization", "uploaded_by", "client_id"],
                                               condition=~Q(client_id=""), name="core_attachment_client_id")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def caption(self) -> str:
        """拍摄于 … · 定位 … : the line shown under a displayed photo."""
        from ..evidence import caption

        return caption(self)

    @classmethod
    def scope_extra(cls, actor, action):
        # The uploader keeps seeing their own upload, attached or not, and may fetch its original.
        return Q(uploaded_by_id=actor.pk)
