"""The life of a checklist template version: draft -> published -> retired, and nothing else.

Services ask `TEMPLATE.check(template, name)` before changing status; a transition not in this
table is refused with INVALID_TRANSITION, naming the current status. Editing is not a transition:
only a draft can be edited (`TEMPLATE.editable`), and editing a published version means revising
it into a new draft version.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dudao.core.workflow import Transition, Workflow

from .choices import TemplateStatus

DRAFT, PUBLISHED, RETIRED = TemplateStatus.DRAFT, TemplateStatus.PUBLISHED, TemplateStatus.RETIRED

TEMPLATE = Workflow(
    subject=_("检查标准"),
    choices=TemplateStatus,
    event_prefix="template",
    editable_states=[DRAFT],
    transitions=[
        Transition("publish", {DRAFT}, PUBLISHED, taken_by="manage", label=pgettext_lazy("transition", "发布"),
                   refusal=_("%(status)s的检查标准不能%(action)s")),
        Transition("retire", {PUBLISHED}, RETIRED, taken_by="manage", label=pgettext_lazy("transition", "停用"),
                   refusal=_("%(status)s的检查标准不能%(action)s")),
    ],
)
