"""The life of a target, of an appraisal cycle and of each appraisal in it.

Target: set before its period starts it is active; a revision after the start is pending until the
executive decides: approved it becomes active and the old one is superseded, rejected it is kept
as rejected and the old one stays.

Cycle: open (being scored) -> submitted (its open appraisals go through the result flow as one
approval request) -> final after the last step; a rejection returns it to open. An upheld appeal
reopens a final cycle so the appraisal can be rescored and submitted again.

Appraisal: open -> submitted -> final with its cycle (a rejection returns it to open); within the
appeal window its person may appeal (appealing); upheld it reopens (open, rescored and submitted
again), dismissed it is final again.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dudao.core.workflow import Transition, Workflow

from .choices import AppraisalStatus, CycleStatus, TargetStatus

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

CYCLE = Workflow(
    subject=_("考核周期"),
    choices=CycleStatus,
    event_prefix="appraisal_cycle",
    editable_states=[CycleStatus.OPEN],
    transitions=[
        Transition("submit", {CycleStatus.OPEN}, CycleStatus.SUBMITTED, taken_by="manage", label=_("提交审批"),
                   refusal=_("考核周期当前状态为“%(status)s”，不能再次提交")),
        Transition("finalise", {CycleStatus.SUBMITTED}, CycleStatus.FINAL, label=_("定稿")),
        Transition("return", {CycleStatus.SUBMITTED}, CycleStatus.OPEN, label=_("退回重评")),
        Transition("reopen", {CycleStatus.FINAL}, CycleStatus.OPEN, label=_("复议重评")),
    ],
)

APPRAISAL = Workflow(
    subject=_("考核"),
    choices=AppraisalStatus,
    event_prefix="appraisal",
    editable_states=[AppraisalStatus.OPEN],
    transitions=[
        Transition("submit", {AppraisalStatus.OPEN}, AppraisalStatus.SUBMITTED, taken_by="manage",
                   label=_("提交审批")),
        Transition("finalise", {AppraisalStatus.SUBMITTED}, AppraisalStatus.FINAL, label=_("定稿")),
        Transition("return", {AppraisalStatus.SUBMITTED}, AppraisalStatus.OPEN, label=_("退回重评")),
        Transition("appeal", {AppraisalStatus.FINAL}, AppraisalStatus.APPEALING, label=_("申请复议"),
                   refusal=_("考核当前状态为“%(status)s”，不能申请复议")),
        Transition("uphold", {AppraisalStatus.APPEALING}, AppraisalStatus.OPEN, label=_("复议成立")),
        Transition("dismiss", {AppraisalStatus.APPEALING}, AppraisalStatus.FINAL, label=_("复议驳回")),
    ],
)
