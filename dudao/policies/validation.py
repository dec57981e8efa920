"""Turning a policy document into a `Policy`, or into a refusal that names every offending key."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from pydantic import ValidationError

from dudao.core.errors import ApplicationError, ErrorCode

from .schema import RULE_ERROR, Policy

# pydantic error type -> message template (formatted with the error's ctx).
MESSAGES = {
    "extra_forbidden": lambda: _("未知的键"),
    "missing": lambda: _("缺少此项"),
    "greater_than_equal": lambda: _("必须 >= %(ge)s"),
    "greater_than": lambda: _("必须 > %(gt)s"),
    "less_than_equal": lambda: _("必须 <= %(le)s"),
    "less_than": lambda: _("必须 < %(lt)s"),
    "int_type": lambda: _("必须是整数"),
    "int_parsing": lambda: _("必须是整数"),
    "int_from_float": lambda: _("必须是整数"),
    "decimal_type": lambda: _("必须是数字"),
    "decimal_parsing": lambda: _("必须是数字"),
    "float_type": lambda: _("必须是数字"),
    "float_parsing": lambda: _("必须是数字"),
    "finite_number": lambda: _("必须是有限的数字"),
    "decimal_max_places": lambda: _("最多 %(decimal_places)s 位小数"),
    "decimal_max_digits": lambda: _("数字位数过多"),
    "decimal_whole_digits": lambda: _("数字位数过多"),
    "bool_type": lambda: _("必须是 true 或 false"),
    "bool_parsing": lambda: _("必须是 true 或 false"),
    "enum": lambda: _("必须是以下之一:%(expected)s"),
    "literal_error": lambda: _("必须是以下之一:%(expected)s"),
    "string_type": lambda: _("必须是文本"),
    "string_too_short": lambda: _("不能为空"),
    "string_too_long": lambda: _("最多 %(max_length)s 个字符"),
    "string_pattern_mismatch": lambda: _("只能使用小写字母、数字和下划线,并以字母开头"),
    "too_short": lambda: _("至少需要 %(min_length)s 项"),
    "too_long": lambda: _("最多 %(max_length)s 项"),
    "model_type": lambda: _("必须是对象(键值表)"),
    "model_attributes_type": lambda: _("必须是对象(键值表)"),
    "dict_type": lambda: _("必须是对象(键值表)"),
    "list_type": lambda: _("必须是列表"),
    "tuple_type": lambda: _("必须是列表"),
}


def _message(error: dict[str, Any]) -> str:
    ctx = error.get("ctx") or {}
    if error["type"] == RULE_ERROR:
        return str(ctx.get("message", error["msg"]))
    template = MESSAGES.get(error["type"])
    if template is None:
        return str(error["msg"])
    values = {name: str(value) for name, value in ctx.items()}
    if "expected" in values:
        values["expected"] = values["expected"].replace(" or ", ", ")
    try:
        return template() % values
    except (KeyError, TypeError, ValueError):
        return str(error["msg"])


def _key(error: dict[str, Any]) -> str:
    parts = [str(part) for part in error["loc"]]
    at = (error.get("ctx") or {}).get("at") if error["type"] == RULE_ERROR else ""
    if at:
        parts.extend(str(at).split("."))
    return ".".join(parts) or "(document)"


def describe(exc: ValidationError) -> list[tuple[str, str]]:
    """(dotted key, message) for every error, in document order, without repeats."""
    errors = exc.errors(include_url=False)
    keys = [_key(error) for error in errors]
    seen: list[tuple[str, str]] = []
    for key, error in zip(keys, errors, strict=True):
        # pydantic drops an invalid item and then also finds its list too short: say it once.
        if error["type"] == "too_short" and any(other.startswith(f"{key}.") for other in keys):
            continue
        item = (key, _message(error))
        if item not in seen:
            seen.append(item)
    return seen


def policy_invalid(errors: list[tuple[str, str]]) -> ApplicationError:
    """The refusal: its message lists every `key: message`; detail maps each key to its messages."""
    lines = [f"{key}: {message}" for key, message in errors]
    fields: dict[str, list[str]] = {}
    for key, message in errors:
        fields.setdefault(key, []).append(message)
    return ApplicationError(
        ErrorCode.POLICY_INVALID,
        "; ".join(lines),
        {"fields": fields, "errors": [{"key": key, "message": message} for key, message in errors]},
    )


def validate_document(document: Any) -> Policy:
    """A complete policy document -> the typed Policy, or ApplicationError(POLICY_INVALID) naming keys."""
    if not isinstance(document, dict):
        raise policy_invalid([("(document)", _("必须是对象(键值表)"))])
    try:
        return Policy.model_validate(document)
    except ValidationError as exc:
        raise policy_invalid(describe(exc)) from None
