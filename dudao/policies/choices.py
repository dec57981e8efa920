"""The closed vocabularies policy documents use; later apps import them rather than repeat them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")
    CRITICAL = "critical", _("严重")


SEVERITY_BADGES = {
    Severity.LOW: "muted",
    Severity.MEDIUM: "info",
    Severity.HIGH: "primary",
    Severity.CRITICAL: "danger",
}


class Period(models.TextChoices):
    """Planning, coverage and appraisal periods."""

    WEEK = "week", _("周")
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    HALF_YEAR = "half_year", _("半年")
    YEAR = "year", _("年")


class BulletinPeriod(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    SEMI_MONTHLY = "semi_monthly", _("每半月")
    MONTHLY = "monthly", _("每月")


class ApprovalKind(models.TextChoices):
    PLAN = "plan", _("督导计划")
    REPORT = "report", _("督导报告")
    PURCHASE = "purchase", _("物料申购")
    ASSET_WRITE_OFF = "asset_write_off", _("资产报损")
    CONSUMABLES_WRITE_OFF = "consumables_write_off", _("低值易耗品报损")
    ACTIVITY_FUNDS = "activity_funds", _("活动经费")
    TARGET_REVISION = "target_revision", _("指标修正")
    RECTIFICATION_EXTENSION = "rectification_extension", _("整改延期")
    RECRUITMENT_PLAN = "recruitment_plan", _("招募计划")
    APPRAISAL_RESULT = "appraisal_result", _("考核结果")
    APPEAL = "appeal", _("复议申请")


class EvaluationComponent(models.TextChoices):
    """What a unit's monthly composite score is made of."""

    INSPECTION_AVERAGE = "inspection_average", _("检查平均分")
    ON_TIME_RECTIFICATION = "on_time_rectification", _("按时整改率")
    COVERAGE = "coverage", _("督导覆盖率")


class KpiSource(models.TextChoices):
    """Where a KPI value comes from: computed inside Dudao, imported, or entered by the appraiser."""

    IMPORTED = "imported", _("外部导入")
    INSPECTION_SCORE = "inspection_score", _("检查得分")
    COVERAGE = "coverage", _("督导覆盖率")
    CLOSURE_RATE = "closure_rate", _("整改关闭率")
    TRAINING_ATTENDANCE = "training_attendance", _("培训出勤率")
    MANUAL = "manual", _("人工评分")
    # The mean of the person's appraisals of shorter periods inside this one (a quarter's months):
    # quarterly appraisals and the annual summary.
    APPRAISAL_AVERAGE = "appraisal_average", _("期内考核平均分")


class KpiScoring(models.TextChoices):
    """How a KPI's value becomes its 0..100 score."""

    DIRECT = "direct", _("数值即得分")
    TARGET = "target", _("目标完成率")


class SchemeKind(models.TextChoices):
    """A regular appraisal of everyone holding the role, or the probation appraisal of new hires."""

    REGULAR = "regular", _("常规考核")
    PROBATION = "probation", _("试用期考核")


class CardColour(models.TextChoices):
    BLUE = "blue", _("蓝牌")
    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")


class WebhookKind(models.TextChoices):
    NONE = "none", _("不使用")
    WECOM = "wecom", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")
