from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("待召开")
    HELD = "held", _("已召开")
    CLOSED = "closed", _("已结束")


MEETING_STATUS_BADGES = {MeetingStatus.PLANNED: "", MeetingStatus.HELD: "primary", MeetingStatus.CLOSED: "success"}


class CaseKind(models.TextChoices):
    FINDING = "finding", _("问题")
    INSPECTION = "inspection", _("巡店")
    INCIDENT = "incident", _("事故/投诉")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    DONE = "done", _("已完成")


ACTION_STATUS_BADGES = {ActionStatus.OPEN: "primary", ActionStatus.DONE: "success"}
