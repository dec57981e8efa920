from django import template

from ..choices import REVIEW_CASE_STATUS_BADGES, REVIEW_DECISION_BADGES

register = template.Library()


@register.filter
def case_status_badge(status: str) -> str:
    return REVIEW_CASE_STATUS_BADGES.get(status, "")


@register.filter
def decision_badge(decision: str) -> str:
    return REVIEW_DECISION_BADGES.get(decision, "")
