"""Editing one policy area through typed fields generated from the schema, and what a change changes.

The schema (schema.py) is the only description of a field: its type, bounds and choices give the
input; display.py gives its label, unit and help. The form posts every key of the area under its
dotted name (``findings.due_days.high``; table rows ``findings.escalation.<row>.after_days``, each
row marked by a ``.__row`` input so rows are read in page order). Reading a post gives a plain
area document; validation, the diff against the policy in force and the new overrides follow.
"""

from __future__ import annotations

import copy
import re
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from django.db import models
from django.utils.translation import gettext as _

from dudao.core.errors import ApplicationError
from dudao.org.choices import Role

from . import schema
from .display import HELP, NULL_LABELS, label_for, unit_for, value_text
from .registry import deep_merge, pack_document
from .validation import validate_document

ROW_MARK = "__row"
ROLE_SEPARATORS = re.compile(r"\s*(?:→|->|>|,|,|、|;|;)\s*|\s+")


# --- what a field is -----------------------------------------------------------------------------
@dataclass
class Kind:
    """A schema annotation reduced to what an input needs."""

    base: Any  # int, Decimal, bool, str, an Enum class, a PolicyModel class
    nullable: bool = False
    many: bool = False  # a tuple of `base`
    metadata: list = field(default_factory=list)

    @property
    def is_model(self) -> bool:
        return isinstance(self.base, type) and issubclass(self.base, schema.PolicyModel)

    @property
    def is_enum(self) -> bool:
        return isinstance(self.base, type) and issubclass(self.base, Enum)


def kind_of(info) -> Kind:
    annotation, metadata, nullable = info.annotation, list(info.metadata), False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        nullable, annotation = True, args[0]
    if typing.get_origin(annotation) is typing.Annotated:
        annotation, *extra = typing.get_args(annotation)
        for item in extra:
            metadata.extend(getattr(item, "metadata", None) or [item])
    if typing.get_origin(annotation) is tuple:
        return Kind(typing.get_args(annotation)[0], nullable, True, metadata)
    return Kind(annotation, nullable, False, metadata)


def _bound(metadata: list, kinds: tuple) -> Any:
    for item in metadata:
        if isinstance(item, kinds):
            return next(value for value in (getattr(item, name, None) for name in ("ge", "gt", "le", "lt"))
                        if value is not None)
    return None


def _choices(enum) -> list[tuple[str, str]]:
    if issubclass(enum, models.Choices):
        return [(str(value), str(label)) for value, label in enum.choices]
    return [(str(member.value), str(member.value)) for member in enum]


# --- inputs as the template renders them --------------------------------------------------------
@dataclass
class Input:
    """One input: `name` is the dotted key it posts under (and the key its errors are filed by)."""

    name: str
    widget: str  # number | checkbox | select | multi | roles | text
    value: Any = ""
    label: str = ""
    unit: str = ""
    minimum: Any = None
    maximum: Any = None
    step: str = "1"
    choices: list = field(default_factory=list)
    nullable: bool = False
    null_label: str = ""
    errors: list[str] = field(default_factory=list)

    is_table = False


@dataclass
class Table:
    """A list of objects (coverage rules, escalation steps, routes ...) as rows of inputs."""

    name: str
    columns: list[tuple[str, str]]
    rows: list[list] = field(default_factory=list)  # each row: (token, [Input | Table])
    blank: list = field(default_factory=list)  # the cells of a new row, named with `placeholder`
    placeholder: str = "__r0__"
    errors: list[str] = field(default_factory=list)

    is_table = True


@dataclass
class FormField:
    """A key of the area as the form shows it: its input, the value in force, the pack default."""

    key: str
    label: str
    unit: str
    help: str
    control: Input | Table
    current: str
    default: str
    differs: bool
    errors: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _input(model: type, name: str, kind: Kind, value: Any, key: str, errors: dict) -> Input | Table:
    qualified = f"{model.__name__}.{name}"
    common = {"name": key, "label": label_for(model, name), "unit": unit_for(model, name, kind),
              "nullable": kind.nullable, "null_label": str(NULL_LABELS.get(qualified, "")),
              "errors": errors.get(key, [])}
    if kind.many and kind.is_model:
        return _table(kind.base, key, value or [], errors, depth=key.count("__r"))
    if kind.many and kind.base is Role:
        shown = value if isinstance(value, str) else " → ".join(
            str(Role(v).label) if v in Role.values else str(v) for v in value or [])
        return Input(widget="roles", value=shown, choices=_choices(Role), **common)
    if kind.many and kind.is_enum:
        return Input(widget="multi", value=[_text(v) for v in value or []], choices=_choices(kind.base), **common)
    if kind.base is bool:
        return Input(widget="checkbox", value=bool(value), **common)
    if kind.is_enum:
        return Input(widget="select", value=_text(value), choices=_choices(kind.base), **common)
    if kind.base in (int, Decimal):
        step = "1" if kind.base is int else "any"
        return Input(widget="number", value=_text(value), step=step,
                     minimum=_bound(kind.metadata, (Ge, Gt)), maximum=_bound(kind.metadata, (Le, Lt)), **common)
    return Input(widget="text", value=_text(value), **common)


def _cells(model: type, item: dict, prefix: str, errors: dict) -> list:
    cells = []
    for name, info in model.model_fields.items():
        cells.append(_input(model, name, kind_of(info), item.get(name), f"{prefix}.{name}", errors))
    return cells


def _table(model: type, key: str, items: list, errors: dict, depth: int = 0) -> Table:
    placeholder = f"__r{depth}__"
    columns = [(label_for(model, name), unit_for(model, name, kind_of(info))) for name, info in model.model_fields.items()]
    rows = [(str(index), _cells(model, _as_dict(item), f"{key}.{index}", errors)) for index, item in enumerate(items)]
    blank = _cells(model, {}, f"{key}.{placeholder}", {})
    own = errors.get(key, [])
    return Table(key, columns, rows, blank, placeholder, own)


def _as_dict(item: Any) -> dict:
    if isinstance(item, schema.PolicyModel):
        return {name: getattr(item, name) for name in type(item).model_fields}
    return item if isinstance(item, dict) else {}


def area_model(area: str) -> type:
    return kind_of(schema.Policy.model_fields[area]).base


def form_fields(area: str, values: dict, current: schema.Policy, defaults: schema.Policy,
                errors: dict | None = None) -> list[FormField]:
    """The area's fields, filled with `values` (the policy in force, or what was posted)."""
    errors = errors or {}
    out: list[FormField] = []

    def walk(model: type, values: dict, now, default, prefix: str, label_prefix: str) -> None:
        for name, info in model.model_fields.items():
            kind = kind_of(info)
            key = f"{prefix}.{name}"
            label = label_for(model, name)
            if kind.is_model and not kind.many:
                walk(kind.base, values.get(name) or {}, getattr(now, name), getattr(default, name), key,
                     f"{label_prefix}{label} · ")
                continue
            now_value, default_value = getattr(now, name), getattr(default, name)
            control = _input(model, name, kind, values.get(name), key, errors)
            nested = sorted({message for other, messages in errors.items() if other.startswith(f"{key}.")
                             for message in [f"{other.removeprefix(key + '.')}: {m}" for m in messages]})
            out.append(FormField(
                key=key, label=f"{label_prefix}{label}", unit=control.unit if not control.is_table else "",
                help=str(HELP.get(f"{model.__name__}.{name}", "")), control=control,
                current=value_text(model, name, now_value), default=value_text(model, name, default_value),
                differs=now_value != default_value, errors=errors.get(key, []) + nested,
            ))

    walk(area_model(area), values, getattr(current, area), getattr(defaults, area), area, "")
    return out


# --- reading a post ------------------------------------------------------------------------------
def _number(raw: str, base) -> Any:
    raw = (raw or "").strip()
    if raw == "":
        return None
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return raw  # the schema names it: 必须是数字
    if not number.is_finite():
        return raw
    if base is int:
        return int(number) if number == number.to_integral_value() else raw
    return int(number) if number == number.to_integral_value() else float(number)


def _roles(raw: str) -> list:
    by_label = {str(label): value for value, label in Role.choices}
    names = [part for part in ROLE_SEPARATORS.split((raw or "").strip()) if part]
    return [by_label.get(name, name) for name in names]


def _row_tokens(post, prefix: str) -> list[str]:
    pattern = re.compile(rf"^{re.escape(prefix)}\.([^.]+)\.{ROW_MARK}$")
    tokens = []
    for name in post:
        match = pattern.match(name)
        if match and match.group(1) not in tokens:
            tokens.append(match.group(1))
    return tokens


def read_object(model: type, post, prefix: str, current: dict) -> dict:
    """The object posted under `prefix`, as a plain document (numbers as numbers, enums as codes)."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        kind, key = kind_of(info), f"{prefix}.{name}"
        now = (current or {}).get(name)
        if kind.is_model and not kind.many:
            out[name] = read_object(kind.base, post, key, now or {})
        elif kind.is_model:
            out[name] = [read_object(kind.base, post, f"{key}.{token}", {}) for token in _row_tokens(post, key)]
        elif kind.many and kind.base is Role:
            out[name] = _roles(post.get(key, ""))
        elif kind.many:
            chosen = [value for value in post.getlist(key) if value]
            # A set of choices: the same set keeps its order, so it is not a change.
            out[name] = list(now) if now is not None and sorted(map(str, now)) == sorted(chosen) else chosen
        elif kind.base is bool:
            out[name] = key in post
        elif kind.base in (int, Decimal):
            out[name] = _number(post.get(key, ""), kind.base)
        else:
            raw = post.get(key)
            out[name] = None if kind.nullable and raw in (None, "") else (raw or "").strip()
    return out


def plain(value: Any) -> Any:
    """A validated value as the JSON a version stores (Decimal as a number, enums as codes)."""
    if isinstance(value, schema.PolicyModel):
        return {name: plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


# --- what changes --------------------------------------------------------------------------------
@dataclass
class Change:
    key: str
    label: str
    before: str
    after: str
    default: str
    value: Any  # the new value as stored


def changes(before: schema.PolicyModel, after: schema.PolicyModel, defaults: schema.PolicyModel | None,
            prefix: str, label_prefix: str = "") -> list[Change]:
    """Every leaf (a scalar, or a whole list: lists replace) whose value differs, in schema order."""
    found: list[Change] = []
    model = type(before)
    for name, info in model.model_fields.items():
        old, new = getattr(before, name), getattr(after, name)
        default = getattr(defaults, name) if defaults is not None else None
        key, label = f"{prefix}.{name}" if prefix else name, label_for(model, name)
        kind = kind_of(info)
        if kind.is_model and not kind.many:
            found.extend(changes(old, new, default, key, f"{label_prefix}{label} · "))
        elif old != new:
            found.append(Change(key, f"{label_prefix}{label}", value_text(model, name, old),
                                value_text(model, name, new), value_text(model, name, default), plain(new)))
    return found


def policy_changes(before: schema.Policy, after: schema.Policy, defaults: schema.Policy) -> list[Change]:
    return changes(before, after, defaults, "")


def with_changes(overrides: dict, found: list[Change]) -> dict:
    """The existing overrides plus only the changed keys (unchanged values are never copied in)."""
    result = copy.deepcopy(overrides or {})
    for change in found:
        *path, last = change.key.split(".")
        node = result
        for part in path:
            node = node.setdefault(part, {})
        node[last] = change.value
    return result


@dataclass
class Proposal:
    """An area as posted, checked against the policy in force on the effective date."""

    area: str
    values: dict
    errors: dict[str, list[str]]
    changes: list[Change]
    overrides: dict


def propose(*, pack: str, area: str, post, in_force: schema.Policy, overrides: dict) -> Proposal:
    """Read the posted area; refusals are filed under their dotted keys, nothing is saved here."""
    values = read_object(area_model(area), post, area, plain(getattr(in_force, area)))
    errors: dict[str, list[str]] = {}
    _required(area_model(area), values, area, errors)
    if errors:
        return Proposal(area, values, errors, [], overrides)
    document = deep_merge(deep_merge(pack_document(pack), overrides or {}), {area: values})
    document[area] = values  # lists inside the area are taken as posted, whole
    try:
        candidate = validate_document(document)
    except ApplicationError as exc:
        for key, messages in ((exc.detail or {}).get("fields") or {}).items():
            errors.setdefault(key, []).extend(messages)
        return Proposal(area, values, errors, [], overrides)
    from .registry import load_pack

    found = changes(getattr(in_force, area), getattr(candidate, area), getattr(load_pack(pack), area), area)
    return Proposal(area, values, {}, found, with_changes(overrides, found))


def _required(model: type, values: dict, prefix: str, errors: dict) -> None:
    for name, info in model.model_fields.items():
        kind, key, value = kind_of(info), f"{prefix}.{name}", values.get(name)
        if kind.is_model and not kind.many:
            _required(kind.base, value or {}, key, errors)
        elif kind.is_model:
            for index, item in enumerate(value or []):
                _required(kind.base, item, f"{key}.{index}", errors)
        elif value is None and not kind.nullable and info.is_required():
            errors.setdefault(key, []).append(_("不能为空"))
