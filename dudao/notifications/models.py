from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .choices import KindBadge, kind_badge


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, actor, action: str = "view"):
        """An inbox is private: each person sees only what was sent to them."""
        if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
            return self.none()
        return self.filter(recipient_id=actor.pk, organization_id=actor.organization_id)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something a person must know or act on, in their inbox (and by mail or chat as they chose).

    `dedupe_key` makes a notification idempotent per recipient: a job that runs twice, or an
    escalation level reached again, never notifies the same person twice for the same thing.
    """

    organization = models.ForeignKey("org.Organization", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=50)
    title = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("内容"), blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    url = models.CharField(max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notification_once"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """Opening a notification marks it read and goes on to what it is about."""
        return reverse("notifications:open", args=[self.pk])

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def badge(self) -> KindBadge:
        return kind_badge(self.kind)


class DeliveryPreference(models.Model):
    """How a person wants mail: each notification as it comes, or one daily digest."""

    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    daily_digest = models.BooleanField(_("每日汇总"), default=False)
    email_enabled = models.BooleanField(_("邮件通知"), default=True)

    class Meta:
        verbose_name = _("通知偏好")

    def __str__(self) -> str:
        return f"{self.person_id} digest={self.daily_digest}"
