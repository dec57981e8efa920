"""Figures as people read them on the appraisal pages: 1,234,567.5 in both languages.

Django's zh_Hans locale leaves the thousands separator empty (and groups by four), so `intcomma`
would print 1234567.5 in Chinese; finance and operations sheets write 1,234,567.5. This filter uses
Django's own number formatting with the active language's decimal separator, a comma every three
digits, and no trailing zeros (a stored 1234567.5000 shows as 1,234,567.5)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import numberformat
from django.utils.formats import get_format

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
    number = number.normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))  # 1.2E+6 -> 1200000
    return numberformat.format(number, get_format("DECIMAL_SEPARATOR"), grouping=3, thousand_sep=",",
                               force_grouping=True)
