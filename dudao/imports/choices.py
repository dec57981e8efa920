from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    RUNNING = "running", _("处理中")
    VALIDATED = "validated", _("校验通过")
    FAILED = "failed", _("失败")
    APPLIED = "applied", _("已导入")


STATUS_BADGES = {
    ImportStatus.PENDING: "muted",
    ImportStatus.RUNNING: "info",
    ImportStatus.VALIDATED: "primary",
    ImportStatus.FAILED: "danger",
    ImportStatus.APPLIED: "success",
}

# Every kind the API contract names (DESIGN.md section 5); a kind answers "not available" until the
# app that owns its records registers it.
CONTRACT_KINDS = ("units", "people", "kpi_values", "targets", "attendance", "bonus_bases")

# Not a kind of its own: a workbook whose sheets are named for kinds, applied together.
ONBOARDING = "onboarding"
ONBOARDING_KINDS = ("units", "people")


class RowAction(models.TextChoices):
    CREATE = "create", _("新建")
    UPDATE = "update", _("更新")
    UNCHANGED = "unchanged", _("不变")
