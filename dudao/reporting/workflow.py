"""A report's and a bulletin's states and the only transitions between them.

    report:   draft --submit--> submitted --approve--> approved
                ^                   |
                +------reject-------+          (edit keeps a draft a draft)
    bulletin: draft --publish--> published     (recompile keeps a draft a draft)

A report may be edited while it is a draft; a bulletin is compiled again only while it is a draft.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dudao.core.workflow import Transition, Workflow

from .choices import BulletinStatus, ReportStatus

REPORT = Workflow(
    subject=_("督导报告"), choices=ReportStatus, event_prefix="report",
    editable_states=[ReportStatus.DRAFT],
    transitions=[
        Transition("edit", {ReportStatus.DRAFT}, ReportStatus.DRAFT, taken_by="manage", label=_("修改"),
                   refusal=_("只有草稿状态的报告可以修改")),
        Transition("submit", {ReportStatus.DRAFT}, ReportStatus.SUBMITTED, taken_by="manage", label=_("提交审批"),
                   refusal=_("只有草稿状态的报告可以提交审批")),
        # Taken by the approval engine's outcome handler, for whoever decided the request.
        Transition("approve", {ReportStatus.SUBMITTED}, ReportStatus.APPROVED, label=_("批准")),
        Transition("reject", {ReportStatus.SUBMITTED}, ReportStatus.DRAFT, label=_("退回")),
    ],
)

BULLETIN = Workflow(
    subject=_("公报"), choices=BulletinStatus, event_prefix="bulletin",
    editable_states=[BulletinStatus.DRAFT],
    transitions=[
        Transition("recompile", {BulletinStatus.DRAFT}, BulletinStatus.DRAFT, taken_by="manage", label=_("重新编制"),
                   refusal=_("本期公报已发布,不能重新编制")),
        Transition("publish", {BulletinStatus.DRAFT}, BulletinStatus.PUBLISHED, taken_by="manage", label=_("发布"),
                   refusal=_("公报已发布")),
    ],
)
