"""The scoring rule (DESIGN.md 2.3), in one place:

    score = 100 × Σ earned / Σ possible over answered scorable items, `na` excluded from both,
    rounded half-up to the policy's decimals (default one);
    passed = score >= the policy's pass mark and no critical (red-line) item failed.

Per item kind:
- check: "pass" earns `points`, "fail" earns 0 and fails;
- score: a number 0..points earns itself; below `pass_points` (default `points`) it fails;
- number: a measured value earns `points` inside [min, max] (inclusive), outside it earns 0 and fails;
  either bound may be missing and is then unbounded on its side (min 95 alone: ">= 95");
- choice: the chosen option (by label or index) earns its points; its `fails` flag fails the item;
  possible is the best option's points;
- text, photo: evidence only, never scored, never failed.
Any scorable item may be answered "na". When every scorable item is "na", there is no score
(None) and the inspection passes unless a red line failed (which cannot happen without an answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from dudao.checklists.choices import ItemKind

NA = "na"
ZERO = Decimal("0")


class AnswerInvalid(ValueError):
    """The value cannot be an answer to this item; the message says why."""


@dataclass(frozen=True)
class ItemResult:
    earned: Decimal | None
    possible: Decimal | None
    failed: bool
    na: bool


@dataclass(frozen=True)
class InspectionResult:
    earned: Decimal
    possible: Decimal
    score: Decimal | None
    passed: bool
    critical_failed: bool


def _decimal(value, label: str) -> Decimal:
    if isinstance(value, bool):
        raise AnswerInvalid(_("%(label)s 必须是数字") % {"label": label})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise AnswerInvalid(_("%(label)s 必须是数字") % {"label": label}) from None
    if not number.is_finite():
        raise AnswerInvalid(_("%(label)s 必须是数字") % {"label": label})
    return number


def choose_option(item, value) -> tuple[int, dict]:
    """The option an answer names, by index or by label."""
    options = item.options or []
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(options):
        return value, options[value]
    for index, option in enumerate(options):
        if str(value) == str(option.get("label")):
            return index, option
    raise AnswerInvalid(_("不是可选项:%(value)s") % {"value": value})


def normalise(item, value):
    """Check an answer's value for the item's kind and return it in its stored form."""
    if value is None or value == "":
        if item.kind in (ItemKind.TEXT, ItemKind.PHOTO):
            return value or ""
        raise AnswerInvalid(_("请作答"))
    if value == NA and item.is_scorable:
        return NA
    if item.kind == ItemKind.CHECK:
        if value not in ("pass", "fail"):
            raise AnswerInvalid(_("只能是 pass、fail 或 na"))
        return value
    if item.kind == ItemKind.SCORE:
        number = _decimal(value, _("得分"))
        if number < 0 or number > item.points:
            raise AnswerInvalid(_("得分必须在 0 到 %(points)s 之间") % {"points": item.points})
        return str(number)
    if item.kind == ItemKind.NUMBER:
        return str(_decimal(value, _("数值")))
    if item.kind == ItemKind.CHOICE:
        return choose_option(item, value)[1]["label"]
    if item.kind in (ItemKind.TEXT, ItemKind.PHOTO):
        if not isinstance(value, str):
            raise AnswerInvalid(_("必须是文字"))
        return value
    raise AnswerInvalid(_("未知的检查项类型"))


def within_bounds(measured: Decimal, low, high) -> bool:
    """Whether a measured value lies in [low, high], both inclusive; a missing bound is unbounded on
    its side (min 95 and no max reads "≥ 95")."""
    if low is not None and measured < Decimal(low):
        return False
    return high is None or measured <= Decimal(high)


def score_item(item, value) -> ItemResult:
    """Score one (already normalised) answer."""
    if not item.is_scorable:
        return ItemResult(None, None, False, False)
    if value == NA:
        return ItemResult(None, None, False, True)
    points = Decimal(item.points)
    if item.kind == ItemKind.CHECK:
        passed = value == "pass"
        return ItemResult(points if passed else ZERO, points, not passed, False)
    if item.kind == ItemKind.SCORE:
        earned = Decimal(value)
        return ItemResult(earned, points, earned < Decimal(item.effective_pass_points), False)
    if item.kind == ItemKind.NUMBER:
        inside = within_bounds(Decimal(value), item.min_value, item.max_value)
        return ItemResult(points if inside else ZERO, points, not inside, False)
    if item.kind == ItemKind.CHOICE:
        _index, option = choose_option(item, value)
        best = max((Decimal(str(o.get("points", 0))) for o in item.options), default=ZERO)
        return ItemResult(Decimal(str(option.get("points", 0))), best, bool(option.get("fails")), False)
    raise AnswerInvalid(_("未知的检查项类型"))


def round_score(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def score_inspection(results: list[tuple[object, ItemResult]], *, pass_mark: Decimal, decimals: int = 1) -> InspectionResult:
    """Combine item results (item, result) into the inspection's score and verdict."""
    earned = sum((r.earned for _item, r in results if r.earned is not None), ZERO)
    possible = sum((r.possible for _item, r in results if r.possible is not None), ZERO)
    critical_failed = any(r.failed and getattr(item, "critical", False) for item, r in results)
    score = round_score(Decimal(100) * earned / possible, decimals) if possible > 0 else None
    passed = not critical_failed and (score is None or score >= Decimal(pass_mark))
    return InspectionResult(earned, possible, score, passed, critical_failed)
