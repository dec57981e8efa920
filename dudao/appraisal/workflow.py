"""The life of a target: set before its period starts it is active; a revision after the start is
pending until the executive decides: approved it becomes active and the old one is superseded,
rejected it is kept as rejected and the old one stays."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dudao.core.workflow import Transition, Workflow

from .choices import TargetStatus

ACTIVE, PENDING = TargetStatus.ACTIVE, TargetStatus.PENDING

TARGET = Workflow(
    subject=_("指标目标"),
    choices=TargetStatus,
    event_prefix="target",
    editable_states=[ACTIVE],
    transitions=[
        Transition("approve", {PENDING}, ACTIVE, taken_by="manage", label=_("批准修正")),
        Transition("reject", {PENDING}, TargetStatus.REJECTED, taken_by="manage", label=_("不批准修正")),
        Transition("supersede", {ACTIVE}, TargetStatus.SUPERSEDED, taken_by="manage", label=_("被修正")),
    ],
)
