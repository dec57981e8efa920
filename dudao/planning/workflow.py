"""A plan's and a visit's life, and nothing else.

Plan: draft -> submitted (approval requested) -> published (the last approval) or rejected (back to
the planner, who reworks and resubmits). A plan is edited (visits added, removed, proposed) only
while draft or rejected (`PLAN.editable`). A rejected plan still holds its slot (one plan per
scope, kind and period): it is the same plan being reworked, not a free place for another.

Visit: planned -> done when the inspection made for it is submitted (a draft inspection leaves it
planned). A cancelled visit that was inspected all the same is done too.

Services ask `PLAN.check` / `VISIT.check` before changing anything and take the step with `apply`;
pages and permissions ask `allowed` and `editable`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dudao.core.workflow import Transition, Workflow

from .choices import PlanStatus, VisitStatus

DRAFT, SUBMITTED, PUBLISHED, REJECTED = (
    PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.PUBLISHED, PlanStatus.REJECTED,
)

PLAN = Workflow(
    subject=_("督导计划"),
    choices=PlanStatus,
    event_prefix="plan",
    editable_states=[DRAFT, REJECTED],
    transitions=[
        Transition("submit", {DRAFT, REJECTED}, SUBMITTED, taken_by="manage",
                   label=pgettext_lazy("transition", "提交审批")),
        # Taken by the approval engine's outcome handler on the last decision.
        Transition("publish", {SUBMITTED}, PUBLISHED, label=pgettext_lazy("transition", "发布")),
        Transition("reject", {SUBMITTED}, REJECTED, label=pgettext_lazy("transition", "驳回")),
    ],
)

VISIT = Workflow(
    subject=_("计划走访"),
    choices=VisitStatus,
    event_prefix="visit",
    transitions=[
        # Taken by submitting the inspection made for the visit (inspections calls `visit_mark_done`).
        Transition("done", {VisitStatus.PLANNED, VisitStatus.CANCELLED}, VisitStatus.DONE,
                   label=pgettext_lazy("transition", "完成")),
    ],
)
