from django.db import models
from django.utils.translation import gettext_lazy as _

# The answers of a check item belong to the standard (checklists); re-exported for this app's callers.
from dudao.checklists.choices import CheckAnswer as CheckAnswer


class InspectionMode(models.TextChoices):
    ON_SITE = "on_site", _("现场")
    REMOTE = "remote", _("远程")
    SURPRISE = "surprise", _("突击")


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", _("进行中")
    SUBMITTED = "submitted", _("已提交")
    ACKNOWLEDGED = "acknowledged", _("已签收")


# The inspections that count in every figure (coverage, scores, plan completion): submitted ones,
# signed or not. A draft counts for nothing.
COUNTING_STATUSES = frozenset({InspectionStatus.SUBMITTED, InspectionStatus.ACKNOWLEDGED})

INSPECTION_STATUS_BADGES = {
    InspectionStatus.DRAFT: "muted",
    InspectionStatus.SUBMITTED: "primary",
    InspectionStatus.ACKNOWLEDGED: "success",
}


class LocationFlag(models.TextChoices):
    """How an on-site check-in's position stands against the unit's geofence (blank: nothing to flag)."""

    OUTSIDE = "outside", _("超出范围")
    MISSING = "missing", _("无定位")


LOCATION_FLAG_BADGES = {LocationFlag.OUTSIDE: "danger", LocationFlag.MISSING: "warning"}
