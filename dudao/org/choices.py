from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    COMPANY = "company", _("公司")
    CENTER = "center", _("中心")
    DEPARTMENT = "department", _("部门")
    REGION = "region", _("区域")
    STORE = "store", _("门店")
    BRANCH = "branch", _("网点")
    PLANT = "plant", _("厂站")


# Sites are where the work happens; nothing is organised beneath them.
LEAF_KINDS = frozenset({UnitKind.STORE, UnitKind.BRANCH, UnitKind.PLANT})
SITE_KINDS = LEAF_KINDS


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    EXECUTIVE = "executive", _("总经理")
    OPS_MANAGER = "ops_manager", _("运营经理")
    SUPERVISOR = "supervisor", _("督导")
    DEPARTMENT_HEAD = "department_head", _("部门负责人")
    REGION_MANAGER = "region_manager", _("区域经理")
    UNIT_MANAGER = "unit_manager", _("店长/负责人")
    STAFF = "staff", _("员工")
    HR = "hr", _("人事")
    FINANCE = "finance", _("财务")


# Roles that see the whole organisation wherever in the tree they are granted.
ORG_WIDE_ROLES = frozenset({Role.ADMIN, Role.EXECUTIVE})

ROLE_BADGES = {
    Role.ADMIN: "danger",
    Role.EXECUTIVE: "primary",
    Role.OPS_MANAGER: "primary",
    Role.SUPERVISOR: "info",
    Role.DEPARTMENT_HEAD: "info",
    Role.REGION_MANAGER: "info",
    Role.UNIT_MANAGER: "success",
    Role.STAFF: "muted",
    Role.HR: "muted",
    Role.FINANCE: "muted",
}
