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

from dudao.core.workflow import Transition, Workflow

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
    ],
)

# Steps that keep the state, with the scope action of the roles that take them.
IN_PLACE = {"request_extension": "rectify", "comment": "view"}


def taken_by(action: str) -> str:
    """The scope action (`Finding.scope_roles`) whose roles take `action`."""
    return FINDING[action].taken_by if action in FINDING.table else IN_PLACE[action]


def allowed(finding, action: str) -> bool:
    """Whether `action` is possible from the finding's state (buttons and pages ask this)."""
    if action == "request_extension":
        return FINDING.editable(finding)
    if action == "comment":
        return True
    return FINDING.allowed(finding, action)


def check(finding, action: str) -> None:
    """Refuse (409 INVALID_TRANSITION, naming the state) when `action` is not possible now."""
    if action == "request_extension":
        FINDING.check_editable(finding)
    elif action != "comment":
        FINDING.check(finding, action)
