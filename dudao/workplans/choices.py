from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    SUMMARISED = "summarised", _("已总结")


PLAN_STATUS_BADGES = {PlanStatus.DRAFT: "", PlanStatus.SUBMITTED: "primary", PlanStatus.SUMMARISED: "success"}
