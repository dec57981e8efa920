from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dudao.core.workflow import Transition, Workflow

from .choices import PlanStatus

WORK_PLAN = Workflow(
    subject=_("工作计划"),
    choices=PlanStatus,
    event_prefix="work_plan",
    editable_states=[PlanStatus.DRAFT],
    transitions=[
        Transition("submit", {PlanStatus.DRAFT}, PlanStatus.SUBMITTED, label=_("提交计划")),
        Transition("summarise", {PlanStatus.SUBMITTED, PlanStatus.SUMMARISED}, PlanStatus.SUMMARISED,
                   label=_("提交总结"), refusal=_("计划当前状态为“%(status)s”，提交后才能总结")),
    ],
)
