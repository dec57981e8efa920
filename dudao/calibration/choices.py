from django.db import models
from django.utils.translation import gettext_lazy as _


class PairStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("待复查")
    COMPLETED = "completed", _("已完成")
    EXPIRED = "expired", _("逾期未复查")
    NOT_SCHEDULED = "not_scheduled", _("未能安排")


PAIR_STATUS_BADGES = {
    PairStatus.SCHEDULED: "info",
    PairStatus.COMPLETED: "success",
    PairStatus.EXPIRED: "warning",
    PairStatus.NOT_SCHEDULED: "muted",
}
