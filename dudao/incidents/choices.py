from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentKind(models.TextChoices):
    INCIDENT = "incident", _("事故")
    COMPLAINT = "complaint", _("投诉")
    INQUIRY = "inquiry", _("咨询")


class IncidentSeverity(models.TextChoices):
    MAJOR = "major", _("重大")
    MINOR = "minor", _("一般")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    RESPONDED = "responded", _("已答复")


STATUS_BADGES = {IncidentStatus.OPEN: "warning", IncidentStatus.RESPONDED: "success"}
