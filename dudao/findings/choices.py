from django.db import models
from django.utils.translation import gettext_lazy as _


class FindingSource(models.TextChoices):
    INSPECTION = "inspection", _("检查")
    DATA_CHECK = "data_check", _("数据核查")
    COMPLAINT = "complaint", _("投诉")
    SELF_REPORT = "self_report", _("自查")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    PLANNED = "planned", _("整改中")
    SUBMITTED = "submitted", _("待验收")
    CLOSED = "closed", _("已关闭")


FINDING_STATUS_BADGES = {
    FindingStatus.OPEN: "danger",
    FindingStatus.PLANNED: "primary",
    FindingStatus.SUBMITTED: "info",
    FindingStatus.CLOSED: "success",
}


class FindingEventKind(models.TextChoices):
    CREATED = "created", _("创建")
    PLANNED = "planned", _("制定整改计划")
    PROGRESS = "progress", _("整改进展")
    SUBMITTED = "submitted", _("提交验收")
    ACCEPTED = "accepted", _("验收通过")
    REJECTED = "rejected", _("验收退回")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_DECIDED = "extension_decided", _("延期审批")
    ESCALATED = "escalated", _("升级")
    COMMENT = "comment", _("评论")
    CLOSED_BY_REINSPECTION = "closed_by_reinspection", _("复查关闭")
