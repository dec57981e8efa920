"""The life of a checklist template version: draft -> published -> retired, and nothing else.

Services ask `check(template, name)` before changing status; a transition not in this table is
refused with INVALID_TRANSITION, naming the current status. Editing is not a transition: only a
draft can be edited, and editing a published version means revising it into a new draft version.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from dudao.core.errors import ApplicationError, ErrorCode

from .choices import TemplateStatus


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    label: str


TRANSITIONS: dict[str, Transition] = {
    "publish": Transition(
        "publish", frozenset({TemplateStatus.DRAFT}), TemplateStatus.PUBLISHED, pgettext_lazy("transition", "发布")
    ),
    "retire": Transition(
        "retire", frozenset({TemplateStatus.PUBLISHED}), TemplateStatus.RETIRED, pgettext_lazy("transition", "停用")
    ),
}


def allowed(template, name: str) -> bool:
    """Whether `name` may be taken from the template's current status (predicate for pages and buttons)."""
    return template.status in TRANSITIONS[name].sources


def check(template, name: str) -> Transition:
    """The transition `name` for this template, or a refusal naming the status it is in."""
    transition = TRANSITIONS[name]
    if template.status not in transition.sources:
        raise ApplicationError(
            ErrorCode.INVALID_TRANSITION,
            _("%(status)s的检查标准不能%(action)s") % {
                "status": TemplateStatus(template.status).label, "action": transition.label,
            },
            {"status": template.status, "transition": name},
        )
    return transition
