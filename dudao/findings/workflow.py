"""A finding's states and the only ways between them (DESIGN.md 2.6), with who takes each step.

    open --plan--> planned --submit--> submitted --accept--> closed
                      ^  |                 |
                      |  progress          reject (round + 1)
                      +--------------------+
    open | planned | submitted --close_by_reinspection--> closed

Each transition names the scope action of the roles that take it (`Finding.scope_roles`); services
check the role through `permissions.py` and the state through `FINDING.check` / `FINDING.apply`.

Two steps change no state and are not transitions: asking for a later deadline (整改延期), possible
while the rectification's terms may still change (`FINDING.editable`: open or planned), and
commenting, possible in every state. The extension itself is decided by the approval engine
(kind `rectification_extension`); its outcome moves the deadline of a finding not yet closed.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dudao.core.workflow import NOT_EDITABLE, Transition, Workflow

from .choices import FindingStatus

OPEN, PLANNED, SUBMITTED, CLOSED = (
    FindingStatus.OPEN, FindingStatus.PLANNED, FindingStatus.SUBMITTED, FindingStatus.CLOSED,
)

FINDING = Workflow(
    subject=_("问题"),
    choices=FindingStatus,
    event_prefix="finding",
    editable_states=[OPEN, PLANNED],
    transitions=[
        Transition("plan", {OPEN}, PLANNED, taken_by="rectify", label=_("制定整改计划")),
        Transition("progress", {PLANNED}, PLANNED, taken_by="rectify", label=_("记录整改进展")),
        Transition("submit", {PLANNED}, SUBMITTED, taken_by="rectify", label=_("提交验收")),
        Transition("accept", {SUBMITTED}, CLOSED, taken_by="verify", label=_("验收通过")),
        Transition("reject", {SUBMITTED}, PLANNED, taken_by="verify", label=_("退回重新整改")),
        Transition("close_by_reinspection", {OPEN, PLANNED, SUBMITTED}, CLOSED, taken_by="verify",
                   label=pgettext_lazy("transition", "复查关闭")),
        # Steps that keep the state: more time while the finding may still be edited, and comments in
        # every state.
        Transition("request_extension", {OPEN, PLANNED}, None, taken_by="rectify", label=_("申请延期"),
                   refusal=NOT_EDITABLE),
        Transition("comment", {OPEN, PLANNED, SUBMITTED, CLOSED}, None, taken_by="view", label=_("评论")),
    ],
)
