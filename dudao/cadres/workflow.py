from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dudao.core.workflow import Transition, Workflow

from .choices import ReportStatus

CADRE_REPORT = Workflow(
    subject=_("干部评估报告"),
    choices=ReportStatus,
    event_prefix="cadre_report",
    editable_states=[ReportStatus.DRAFT],
    transitions=[
        Transition("publish", {ReportStatus.DRAFT}, ReportStatus.PUBLISHED, taken_by="manage", label=_("发布"),
                   refusal=_("报告当前状态为“%(status)s”，已经发布")),
    ],
)
