"""A request's and a step's states and the only transitions between them.

    request: pending --advance--> pending   (a step approved, the next one activated)
             pending --approve--> approved  (the last step approved)
             pending --reject---> rejected  (any step rejected)
             pending --withdraw-> withdrawn (the subject needs no decision any more)
    step:    waiting --activate--> pending --approve--> approved
                                          --reject---> rejected
             waiting --skip--> skipped      (steps after a rejection are never reached)
             pending --withdraw--> skipped  (the request was withdrawn before this step decided)

Every decision is one `REQUEST.apply(...)` whose audit event is `approval.decide`, carrying the
step it decided; steps change inside that event (`STEP.check` guards each), so the audit log
keeps one row per decision. Nothing about a request is editable once made.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dudao.core.workflow import Transition, Workflow

from .choices import ApprovalStatus, StepStatus

DECIDED = _("该申请已审批完成,不能再审批")

REQUEST = Workflow(
    subject=_("审批单"),
    choices=ApprovalStatus,
    event_prefix="approval",
    transitions=[
        Transition("advance", {ApprovalStatus.PENDING}, ApprovalStatus.PENDING, taken_by="decide",
                   label=pgettext_lazy("transition", "审批"), refusal=DECIDED),
        Transition("approve", {ApprovalStatus.PENDING}, ApprovalStatus.APPROVED, taken_by="decide",
                   label=pgettext_lazy("transition", "同意"), refusal=DECIDED),
        Transition("reject", {ApprovalStatus.PENDING}, ApprovalStatus.REJECTED, taken_by="decide",
                   label=pgettext_lazy("transition", "驳回"), refusal=DECIDED),
        Transition("withdraw", {ApprovalStatus.PENDING}, ApprovalStatus.WITHDRAWN,
                   label=pgettext_lazy("transition", "撤回"), refusal=DECIDED),
    ],
)

STEP = Workflow(
    subject=_("审批步骤"),
    choices=StepStatus,
    event_prefix="approval_step",
    transitions=[
        Transition("activate", {StepStatus.WAITING}, StepStatus.PENDING, label=pgettext_lazy("transition", "开始审批")),
        Transition("approve", {StepStatus.PENDING}, StepStatus.APPROVED, taken_by="decide",
                   label=pgettext_lazy("transition", "同意")),
        Transition("reject", {StepStatus.PENDING}, StepStatus.REJECTED, taken_by="decide",
                   label=pgettext_lazy("transition", "驳回")),
        Transition("skip", {StepStatus.WAITING}, StepStatus.SKIPPED, label=pgettext_lazy("transition", "跳过")),
        Transition("withdraw", {StepStatus.PENDING}, StepStatus.SKIPPED, label=pgettext_lazy("transition", "撤回")),
    ],
)


def step_to(step, name: str) -> str:
    """Guard `name` on a step (refused naming its state) and return the state it leads to; the caller
    saves the step (many at once) inside the request's `approval.decide` event."""
    return STEP.check(step, name).target
