"""The life of an inspection: in progress (draft) -> submitted -> acknowledged, and nothing else.

Services ask `INSPECTION.check(inspection, name)` before changing anything and take the step with
`INSPECTION.apply`; a step not in this table is refused with INVALID_TRANSITION, naming the
status. Answers, notes and figures may be edited only while the inspection is in progress
(`INSPECTION.editable`); after submission a correction is a new answer, not an edit.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dudao.core.workflow import Transition, Workflow

from .choices import InspectionStatus

DRAFT, SUBMITTED, ACKNOWLEDGED = InspectionStatus.DRAFT, InspectionStatus.SUBMITTED, InspectionStatus.ACKNOWLEDGED

INSPECTION = Workflow(
    subject=_("检查"),
    choices=InspectionStatus,
    event_prefix="inspection",
    editable_states=[DRAFT],
    transitions=[
        Transition("submit", {DRAFT}, SUBMITTED, taken_by="inspect", label=pgettext_lazy("transition", "提交")),
        Transition("acknowledge", {SUBMITTED}, ACKNOWLEDGED, taken_by="acknowledge",
                   label=pgettext_lazy("transition", "签收")),
    ],
)
