from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ItemKind(models.TextChoices):
    CHECK = "check", _("合格/不合格")
    SCORE = "score", _("打分")
    NUMBER = "number", _("数值")
    CHOICE = "choice", _("选项")
    TEXT = "text", _("文字")
    PHOTO = "photo", _("照片")


SCORABLE_KINDS = frozenset({ItemKind.CHECK, ItemKind.SCORE, ItemKind.NUMBER, ItemKind.CHOICE})


class CheckAnswer(models.TextChoices):
    """The answers a `check` item takes (any scorable item may also be answered `na`)."""

    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NA = "na", _("不适用")


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", pgettext_lazy("checklist", "已停用")


TEMPLATE_STATUS_BADGES = {
    TemplateStatus.DRAFT: "muted",
    TemplateStatus.PUBLISHED: "success",
    TemplateStatus.RETIRED: "danger",
}
