"""Choices of the quarterly store cadre evaluation: the report's status and the three judgements
drafted for each cadre (ability, post, pay), with their badge colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


REPORT_STATUS_BADGES = {ReportStatus.DRAFT: "warning", ReportStatus.PUBLISHED: "success"}


class Ability(models.TextChoices):
    A = "A", _("A 优秀")
    B = "B", _("B 良好")
    C = "C", _("C 合格")
    D = "D", _("D 待改进")


ABILITY_BADGES = {Ability.A: "success", Ability.B: "primary", Ability.C: "", Ability.D: "danger"}


class Post(models.TextChoices):
    KEEP = "keep", _("保持现岗")
    PROMOTE = "promote", _("晋升候选")
    COACH = "coach", _("辅导培养")
    DEMOTION_REVIEW = "demotion_review", _("降职评议")


POST_BADGES = {Post.KEEP: "", Post.PROMOTE: "success", Post.COACH: "warning", Post.DEMOTION_REVIEW: "danger"}


class Pay(models.TextChoices):
    RAISE = "raise", _("建议加薪")
    KEEP = "keep", _("维持")
    HOLD = "hold", _("暂缓调整")


PAY_BADGES = {Pay.RAISE: "success", Pay.KEEP: "", Pay.HOLD: "danger"}
