"""Choices of the discipline ledger: the kind of a violation and its life."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ViolationKind(models.TextChoices):
    LATE = "late", _("迟到")
    EARLY_LEAVE = "early_leave", _("早退")
    OFF_POST = "off_post", _("脱岗")
    ABSENCE = "absence", _("旷工")
    OPERATING = "operating", _("违规操作")
    OTHER = "other", _("其他")


class ViolationStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    EFFECTIVE = "effective", _("已生效")
    APPEALING = "appealing", _("复议中")
    OVERTURNED = "overturned", _("已撤销")


VIOLATION_STATUS_BADGES = {
    ViolationStatus.PENDING: "warning",
    ViolationStatus.EFFECTIVE: "danger",
    ViolationStatus.APPEALING: "primary",
    ViolationStatus.OVERTURNED: "muted",
}

# Violations that count (an appeal under way does not suspend one; an overturned one counts for nothing).
COUNTING_STATUSES = (ViolationStatus.EFFECTIVE, ViolationStatus.APPEALING)
