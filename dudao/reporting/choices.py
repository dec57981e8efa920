from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportSource(models.TextChoices):
    """What a supervision report is drafted from."""

    INSPECTION = "inspection", _("单次检查")
    PLAN = "plan", _("督导计划")
    PERIOD = "period", _("期间与范围")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("审批中")
    APPROVED = "approved", _("已批准")


REPORT_STATUS_BADGES = {
    ReportStatus.DRAFT: "",
    ReportStatus.SUBMITTED: "primary",
    ReportStatus.APPROVED: "success",
}


class ReportSection(models.TextChoices):
    """The sections of a report, in the order they are printed (DESIGN.md 2.7)."""

    EXECUTION = "execution", _("计划执行情况")
    HIGHLIGHTS = "highlights", _("工作亮点")
    PROBLEMS = "problems", _("存在问题")
    ANALYSIS = "analysis", _("问题分析")
    RECOMMENDATIONS = "recommendations", _("整改建议")
    RECTIFICATION = "rectification", _("整改落实情况")


SECTION_KEYS = tuple(ReportSection.values)


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


BULLETIN_STATUS_BADGES = {
    BulletinStatus.DRAFT: "",
    BulletinStatus.PUBLISHED: "success",
}


class BulletinOrigin(models.TextChoices):
    SCHEDULE = "schedule", _("定期自动编制")
    ON_DEMAND = "on_demand", _("手工编制")
