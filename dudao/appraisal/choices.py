"""Choices of appraisal data: who a figure is about, and the life of a target."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectKind(models.TextChoices):
    PERSON = "person", _("人员")
    UNIT = "unit", _("机构")


class TargetStatus(models.TextChoices):
    ACTIVE = "active", _("生效")
    PENDING = "pending", _("待审批")
    SUPERSEDED = "superseded", _("已被修正")
    REJECTED = "rejected", _("未获批准")


TARGET_STATUS_BADGES = {
    TargetStatus.ACTIVE: "success",
    TargetStatus.PENDING: "warning",
    TargetStatus.SUPERSEDED: "muted",
    TargetStatus.REJECTED: "danger",
}



class CycleStatus(models.TextChoices):
    OPEN = "open", _("评分中")
    SUBMITTED = "submitted", _("审批中")
    FINAL = "final", _("已定稿")


class AppraisalStatus(models.TextChoices):
    OPEN = "open", _("评分中")
    SUBMITTED = "submitted", _("审批中")
    FINAL = "final", _("已定稿")
    APPEALING = "appealing", _("复议中")


CYCLE_STATUS_BADGES = {
    CycleStatus.OPEN: "primary",
    CycleStatus.SUBMITTED: "warning",
    CycleStatus.FINAL: "success",
}

APPRAISAL_STATUS_BADGES = {
    AppraisalStatus.OPEN: "primary",
    AppraisalStatus.SUBMITTED: "warning",
    AppraisalStatus.FINAL: "success",
    AppraisalStatus.APPEALING: "danger",
}
