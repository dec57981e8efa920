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
    "approval": _("审批"),
    "report": _("报告"),
    "bulletin": _("通报"),
    "evaluation": _("考评"),
    "appraisal": _("考核"),
}

URGENT_WORDS = ("overdue", "escalat", "reject")
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
