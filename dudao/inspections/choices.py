from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionMode(models.TextChoices):
    ON_SITE = "on_site", _("现场")
    REMOTE = "remote", _("远程")
    SURPRISE = "surprise", _("突击")


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", _("进行中")
    SUBMITTED = "submitted", _("已提交")
    ACKNOWLEDGED = "acknowledged", _("已签收")


INSPECTION_STATUS_BADGES = {
    InspectionStatus.DRAFT: "muted",
    InspectionStatus.SUBMITTED: "primary",
    InspectionStatus.ACKNOWLEDGED: "success",
}


class CheckAnswer(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NA = "na", _("不适用")
