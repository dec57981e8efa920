"""Small display helpers for template pages: badge classes and numbers without trailing zeros."""

from decimal import Decimal

from django import template

from dudao.policies.choices import SEVERITY_BADGES

from ..choices import TEMPLATE_STATUS_BADGES

register = template.Library()


@register.filter
def status_badge(status: str) -> str:
    return TEMPLATE_STATUS_BADGES.get(status, "")


@register.filter
def severity_badge(severity: str) -> str:
    return SEVERITY_BADGES.get(severity, "")


@register.filter
def num(value) -> str:
    """5.00 -> 5, 2.50 -> 2.5, -18.0000 -> -18; None -> empty."""
    if value is None or value == "":
        return ""
    return format(Decimal(str(value)).normalize(), "f")
