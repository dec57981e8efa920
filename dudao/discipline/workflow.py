"""The life of a violation: pending until the party, the witness and the handler have all confirmed,
then effective; the party's appeal makes it appealing until decided: upheld it is overturned (it
counts for nothing), dismissed it is effective again."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dudao.core.workflow import Transition, Workflow

from .choices import ViolationStatus

PENDING, EFFECTIVE = ViolationStatus.PENDING, ViolationStatus.EFFECTIVE
APPEALING, OVERTURNED = ViolationStatus.APPEALING, ViolationStatus.OVERTURNED

VIOLATION = Workflow(
    subject=_("违规记录"),
    choices=ViolationStatus,
    event_prefix="violation",
    editable_states=[PENDING],
    transitions=[
        Transition("confirm", {PENDING}, None, label=_("确认"),
                   refusal=_("违规记录已“%(status)s”，无需再确认")),
        Transition("take_effect", {PENDING}, EFFECTIVE, label=_("生效")),
        Transition("appeal", {EFFECTIVE}, APPEALING, label=_("申请复议"),
                   refusal=_("违规记录当前状态为“%(status)s”，不能申请复议")),
        Transition("overturn", {APPEALING}, OVERTURNED, label=_("复议撤销")),
        Transition("uphold", {APPEALING}, EFFECTIVE, label=_("复议维持")),
    ],
)
