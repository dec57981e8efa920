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


class ScheduleFrequency(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    EVERY_N_WEEKS = "every_n_weeks", _("每隔数周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("周一")
    TUESDAY = 1, _("周二")
    WEDNESDAY = 2, _("周三")
    THURSDAY = 3, _("周四")
    FRIDAY = 4, _("周五")
    SATURDAY = 5, _("周六")
    SUNDAY = 6, _("周日")


class WeekOfMonth(models.IntegerChoices):
    """Which weekday of the month a monthly schedule means (第几个周几); -1 is the last one."""

    FIRST = 1, _("第一个")
    SECOND = 2, _("第二个")
    THIRD = 3, _("第三个")
    FOURTH = 4, _("第四个")
    LAST = -1, _("最后一个")


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
