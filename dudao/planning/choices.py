from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanKind(models.TextChoices):
    YEAR = "year", _("年度")
    QUARTER = "quarter", _("季度")
    MONTH = "month", _("月度")
    WEEK = "week", _("周")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("审批中")
    PUBLISHED = "published", _("已发布")
    REJECTED = "rejected", _("已退回")


class VisitMode(models.TextChoices):
    ON_SITE = "on_site", _("现场")
    REMOTE = "remote", _("远程")
    SURPRISE = "surprise", _("突击")
    DOCUMENT_REVIEW = "document_review", _("资料审阅")
    INTERVIEW = "interview", _("访谈")


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("待巡")
    DONE = "done", _("已巡")
    CANCELLED = "cancelled", _("已取消")


PLAN_STATUS_BADGES = {
    PlanStatus.DRAFT: "",
    PlanStatus.SUBMITTED: "primary",
    PlanStatus.PUBLISHED: "success",
    PlanStatus.REJECTED: "danger",
}

VISIT_STATUS_BADGES = {
    VisitStatus.PLANNED: "info",
    VisitStatus.DONE: "success",
    VisitStatus.CANCELLED: "",
}
