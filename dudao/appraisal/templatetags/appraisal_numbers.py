"""Figures as people read them on the appraisal pages: 1,234,567.5 in both languages.

The pages show figures the way the explanations write them (`explain.grouped`): Django's zh_Hans
locale leaves the thousands separator empty, so `intcomma` would print 1234567.5 in Chinese."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from dudao.appraisal import explain

register = template.Library()


@register.filter
def grouped(value) -> str:
    """A number with thousands separators and without trailing zeros; anything else unchanged."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value
    if not number.is_finite():
        return value
    return explain.grouped(number)
