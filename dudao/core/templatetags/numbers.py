"""Figures in templates as a Chinese office reads them, in both languages (`dudao.core.numbers`):
`{{ value|grouped }}` 1,234,567.5, `{{ value|amount }}` 16,518.00, `{{ value|money }}` ¥16,518.00."""

from __future__ import annotations

from django import template

from dudao.core import numbers

register = template.Library()


@register.filter
def grouped(value) -> str:
    """A number with thousands separators and without trailing zeros; anything else unchanged."""
    number = numbers.as_decimal(value)
    if number is None:
        return "" if value is None else value
    return numbers.grouped(number)


@register.filter
def amount(value) -> str:
    return numbers.amount(value)


@register.filter
def money(value) -> str:
    return numbers.money(value)
