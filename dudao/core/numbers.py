"""Numbers and money as a Chinese office reads and types them, the same in every language.

Django's zh_Hans format leaves the thousands separator empty, so its own filters print 1234567.5;
a Chinese finance office writes 1,234,567.50 and ¥12,345.00. Every page, explanation, PDF and
export formats through these functions (the `numbers` template library for templates), and every
service reads a typed number through `parse_number`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from .errors import validation_error

# What people type around a number: thousands separators (half and full width), spaces, currency.
_NOISE = (",", "，", " ", "\u00a0", "¥", "￥", "元")


def as_decimal(value) -> Decimal | None:
    """A finite Decimal of a number or numeric text; None for anything else (blank, words)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def grouped(number: Decimal) -> str:
    """A comma every three digits and no trailing zeros (a stored 1234567.5000 reads 1,234,567.5)."""
    number = number.normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))  # 1.2E+6 -> 1200000
    return numberformat.format(number, get_format("DECIMAL_SEPARATOR"), grouping=3, thousand_sep=",",
                               force_grouping=True)


def amount(value) -> str:
    """An amount of yuan with two decimals and thousands separators: 16,518.00; "—" when none."""
    number = as_decimal(value)
    return "—" if number is None else f"{number:,.2f}"


def money(value) -> str:
    """Money the way a Chinese finance office writes it: ¥12,345.00, a loss -¥3,188.00; "—" when none."""
    number = as_decimal(value)
    if number is None:
        return "—"
    return f"-¥{-number:,.2f}" if number < 0 else f"¥{number:,.2f}"


def parse_number(text, field: str, *, places: int | None = None) -> Decimal:
    """A number as people type it: thousands separators, a currency sign, a percent sign
    ("95%" -> 95); anything else is refused naming the field. With `places`, more decimals than
    that are refused too."""
    cleaned = str(text if text is not None else "").strip()
    for mark in _NOISE:
        cleaned = cleaned.replace(mark, "")
    cleaned = cleaned.removesuffix("%").removesuffix("％")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) >= Decimal("1e15"):
        raise validation_error(field, _("“%(value)s”不是有效的数字") % {"value": text})
    if places is not None:
        if number != number.quantize(Decimal(1).scaleb(-places)):
            raise validation_error(field, _("最多 %(places)s 位小数") % {"places": places})
        number = number.quantize(Decimal(1).scaleb(-places))
    return number
