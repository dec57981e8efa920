"""A manager review case's states and the only ways between them (DESIGN.md 2.9).

    open --start_review--> in_review --decide--> decided
      |                                   ^
      +--------------decide---------------+

A decided case is final; a unit that keeps failing after a decision gets a new case.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dudao.core.workflow import Transition, Workflow

from .choices import ReviewCaseStatus

OPEN, IN_REVIEW, DECIDED = ReviewCaseStatus.OPEN, ReviewCaseStatus.IN_REVIEW, ReviewCaseStatus.DECIDED

UNDECIDED = (OPEN, IN_REVIEW)

REFUSAL = _("评议当前状态为“%(status)s”,不能执行此操作")

REVIEW_CASE = Workflow(
    subject=_("管理评议"), choices=ReviewCaseStatus, event_prefix="review_case",
    transitions=[
        Transition("start_review", {OPEN}, IN_REVIEW, taken_by="decide", label=_("开始评议"), refusal=REFUSAL),
        Transition("decide", UNDECIDED, DECIDED, taken_by="decide", label=_("作出评议决定"), refusal=REFUSAL),
    ],
)
