"""A calibration pair's life, and nothing else.

A pair is made `scheduled` (a second, blind visit is planned) or `not_scheduled` (no supervisor of
another region could take it; the reason is kept). A scheduled pair is `completed` when the second
inspection made for its visit is submitted, or `expired` when its due date passes first. Both are
taken by the calibration job (`services.calibration_sync`), never by a person.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dudao.core.workflow import Transition, Workflow

from .choices import PairStatus

PAIR = Workflow(
    subject=_("校准复查"),
    choices=PairStatus,
    event_prefix="calibration_pair",
    transitions=[
        Transition("complete", {PairStatus.SCHEDULED}, PairStatus.COMPLETED,
                   label=pgettext_lazy("transition", "完成复查")),
        Transition("expire", {PairStatus.SCHEDULED}, PairStatus.EXPIRED,
                   label=pgettext_lazy("transition", "逾期")),
    ],
)
