"""The closed vocabularies of evaluation and analytics, with their badge colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewCaseStatus(models.TextChoices):
    OPEN = "open", _("待评议")
    IN_REVIEW = "in_review", _("评议中")
    DECIDED = "decided", _("已决定")


REVIEW_CASE_STATUS_BADGES = {
    ReviewCaseStatus.OPEN: "danger",
    ReviewCaseStatus.IN_REVIEW: "primary",
    ReviewCaseStatus.DECIDED: "success",
}


class ReviewDecision(models.TextChoices):
    """What a manager review (连续评估不合格 -> 降级或劝退) may decide."""

    DEMOTE = "demote", _("降级")
    DISMISS = "dismiss", _("劝退")
    RETAIN = "retain", _("留任观察")
    OTHER = "other", _("其他")


REVIEW_DECISION_BADGES = {
    ReviewDecision.DEMOTE: "danger",
    ReviewDecision.DISMISS: "danger",
    ReviewDecision.RETAIN: "success",
    ReviewDecision.OTHER: "info",
}


class ExportTable(models.TextChoices):
    """The tables of the dashboard and the evaluation page that download as Excel."""

    SUMMARY = "summary", _("总体指标")
    TREND = "trend", _("月度趋势")
    COVERAGE = "coverage", _("计划覆盖")
    SEVERITY = "severity", _("问题严重程度")
    CATEGORY = "category", _("问题类别")
    REGION = "region", _("分区域问题")
    RANKING = "ranking", _("机构排名")
    SUPERVISORS = "supervisors", _("督导工作量")
    EVALUATIONS = "evaluations", _("月度综合评估")
