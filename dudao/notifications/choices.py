"""How a notification's kind is shown: a label and a badge colour, chosen from the kind's name.

Kinds are strings named by the app that notifies (`finding.assigned`, `finding.escalated`,
`approval.pending`, ...), so new kinds need no change here: the first part names the area, and
words in the rest (overdue, escalated, rejected, ...) pick the colour.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailMode(models.TextChoices):
    """How a person wants notifications by mail (stored as DeliveryPreference.daily_digest)."""

    SINGLE = "single", _("逐条发送邮件")
    DIGEST = "digest", _("每日汇总一封邮件")


AREA_LABELS = {
    "finding": _("整改"),
    "inspection": _("巡店"),
    "plan": _("计划"),
    "visit": _("计划"),
    "schedule": _("排程"),  # schedule.generated: the visits a recurring schedule gave a supervisor
    "approval": _("审批"),
    "report": _("报告"),
    "bulletin": _("通报"),
    "evaluation": _("考评"),
    "appraisal": _("考核"),
    "warning": _("预警"),
    "meeting": _("会议"),
    "cadres": _("干部评估"),
    "training": _("培训"),
    "calibration": _("校准"),
}

# Kinds that are mailed at once even to people who chose the daily digest: an early warning of a
# major risk cannot wait until tomorrow morning (DESIGN.md 2.13).
IMMEDIATE_KINDS = frozenset({"warning.critical"})

URGENT_WORDS = ("overdue", "escalat", "reject", "warning")
GOOD_WORDS = ("accept", "approved", "closed", "done")


@dataclass(frozen=True)
class KindBadge:
    label: str
    colour: str


def kind_badge(kind: str) -> KindBadge:
    """The badge for a kind: area label (or "通知"), red when urgent, green when settled."""
    area, _sep, rest = (kind or "").partition(".")
    label = AREA_LABELS.get(area, _("通知"))
    if any(word in rest for word in URGENT_WORDS):
        colour = "danger"
    elif any(word in rest for word in GOOD_WORDS):
        colour = "success"
    else:
        colour = "primary"
    return KindBadge(str(label), colour)


# How a burst of one kind within a day reads as one row ("5 次巡店已签收"); kinds not listed read
# "5 条<area>通知". Placeholders only, so each language orders the words its own way.
GROUP_SUMMARIES = {
    "inspection.submitted": _("%(count)s 次巡店待签收"),
    "inspection.acknowledged": _("%(count)s 次巡店已签收"),
    "finding.assigned": _("%(count)s 批问题待整改"),
    "finding.submitted": _("%(count)s 项整改待验收"),
    "finding.accepted": _("%(count)s 项整改已通过验收"),
    "finding.rejected": _("%(count)s 项整改被退回"),
    "finding.closed": _("%(count)s 项问题已关闭"),
    "finding.due_soon": _("%(count)s 项整改即将到期"),
    "finding.overdue": _("%(count)s 项整改已逾期"),
    "finding.escalated": _("%(count)s 项逾期整改已升级"),
    "finding.extension_decided": _("%(count)s 项延期申请已处理"),
    "approval.pending": _("%(count)s 项审批待处理"),
    "approval.progress": _("%(count)s 项审批有进展"),
    "approval.approved": _("%(count)s 项审批已通过"),
    "approval.rejected": _("%(count)s 项审批被驳回"),
    "approval.withdrawn": _("%(count)s 项审批已撤回"),
    "approval.overdue": _("%(count)s 项审批已超期"),
    "plan.published": _("%(count)s 个督导计划已发布"),
    "report.approved": _("%(count)s 份督导报告已发布"),
    "bulletin.compiled": _("%(count)s 期公报待发布"),
    "bulletin.published": _("%(count)s 期新公报"),
    "bulletin.unread": _("%(count)s 期公报待阅读"),
    "evaluation.key_target": _("%(count)s 条重点整改通知"),
    "evaluation.review_case": _("%(count)s 个管理评议待处理"),
    "meeting.invited": _("%(count)s 个会议通知"),
    "meeting.action_assigned": _("%(count)s 项会议事项待完成"),
    "meeting.action_overdue": _("%(count)s 项会议事项已逾期"),
    "meeting.action_done": _("%(count)s 项会议事项已完成"),
}


def group_summary(kind: str, count: int) -> str:
    """One line for `count` notifications of `kind` on one day."""
    template = GROUP_SUMMARIES.get(kind)
    if template is None:
        return str(_("%(count)s 条%(label)s通知")) % {"count": count, "label": kind_badge(kind).label}
    return str(template) % {"count": count}
