from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FindingSource(models.TextChoices):
    INSPECTION = "inspection", _("检查")
    DATA_CHECK = "data_check", _("数据核查")
    COMPLAINT = "complaint", _("投诉")
    SELF_REPORT = "self_report", _("自查")


# Sources a person may record by hand; inspection findings come only from an inspection's submit.
MANUAL_SOURCES = (FindingSource.DATA_CHECK, FindingSource.COMPLAINT, FindingSource.SELF_REPORT)


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
    CREATED = "created", pgettext_lazy("event", "创建")
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


FINDING_EVENT_BADGES = {
    FindingEventKind.CREATED: "danger",
    FindingEventKind.PLANNED: "primary",
    FindingEventKind.PROGRESS: "primary",
    FindingEventKind.SUBMITTED: "info",
    FindingEventKind.ACCEPTED: "success",
    FindingEventKind.REJECTED: "danger",
    FindingEventKind.EXTENSION_REQUESTED: "info",
    FindingEventKind.EXTENSION_DECIDED: "info",
    FindingEventKind.ESCALATED: "danger",
    FindingEventKind.COMMENT: "muted",
    FindingEventKind.CLOSED_BY_REINSPECTION: "success",
}


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")
    CANCELLED = "cancelled", _("已撤销")


EXTENSION_STATUS_BADGES = {
    ExtensionStatus.PENDING: "info",
    ExtensionStatus.APPROVED: "success",
    ExtensionStatus.REJECTED: "danger",
    ExtensionStatus.CANCELLED: "muted",
}


class ExtensionDecision(models.TextChoices):
    APPROVE = "approve", _("批准")
    REJECT = "reject", _("不批准")


class SavedView(models.TextChoices):
    """The finding list's saved views (the filters people use every day)."""

    MINE = "mine", _("我的未关闭问题")
    OVERDUE = "overdue", _("已逾期")
    AWAITING = "awaiting", _("待我验收")
