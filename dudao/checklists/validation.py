"""The one validation every template write and import goes through.

A template arrives as a document (the API's create shape, a JSON or Excel import, a builder form):
`{name, description, sections: [{title, items: [{code, text, guidance, kind, points, pass_points,
min, max, options: [{label, points, fails}], severity, critical, photo_required, category}]}]}`.
`clean_document` returns it normalised (numbers as Decimal, defaults filled in) or refuses it with
every problem keyed by where it is (`sections.0.items.3.options`) and a message naming the first
item at fault by its code. The builder checks one item with `clean_item`, which applies the same
rules through the same code.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from dudao.core.errors import ApplicationError, ErrorCode, validation_error
from dudao.policies.choices import Severity

from .choices import SCORABLE_KINDS, ItemKind

ITEM_KEYS = ("code", "text", "guidance", "kind", "points", "pass_points", "min", "max", "options",
             "severity", "critical", "photo_required", "category")
OPTION_KEYS = ("label", "points", "fails")
# Keys a detail document (GET /api/v1/templates/{id}) carries besides the create shape: an exported
# or fetched document can be imported again as it is.
META_KEYS = frozenset({"id", "lineage", "version", "status", "created_at", "created_by_id", "published_at",
                       "published_by_id", "item_count", "position"})

MAX_SECTIONS = 50
MAX_ITEMS = 500
MAX_OPTIONS = 20
DEFAULT_CHECK_POINTS = Decimal("1.00")  # a pass/fail item given no points
POINTS_LIMIT = Decimal("100000")  # Item.points: 7 digits, 2 decimals
BOUND_LIMIT = Decimal("10000000000")  # Item.min_value/max_value: 14 digits, 4 decimals


def field_label(field: str) -> str:
    """The Chinese name of a document field (for messages); `options.2.label` reads as the options."""
    field = field.split(".")[-1] if not field.startswith("options") else "options"
    labels = {
        "code": _("编码"), "text": _("检查内容"), "guidance": _("检查方法/标准说明"), "kind": _("类型"),
        "points": _("分值"), "pass_points": _("合格分"), "min": _("最小值"), "max": _("最大值"),
        "options": _("选项"), "severity": _("严重程度"), "critical": _("红线项"), "photo_required": _("必须拍照"),
        "category": _("问题类别"), "name": _("名称"), "description": _("说明"), "sections": _("分组"),
        "title": _("分组标题"), "items": _("检查项"),
    }
    return labels.get(field, field)


class _Bad(Exception):
    """A value that cannot be read as what its field holds; the message says why."""


class Problems:
    """Problems found in one document, keyed by path; the first names the item for the message."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.first: tuple[str | None, str, str] | None = None  # (item label, field, problem)
        self.first_code: str | None = None
        self.codes: dict[str, str] = {}  # "sections.0.items.3" -> its code, for every item with a problem

    def add(self, path: str, problem: str, *, item: str | None = None, code: str | None = None) -> None:
        self.fields.setdefault(path, []).append(str(problem))
        if code:
            self.codes[".".join(path.split(".")[:4])] = code
        if self.first is None:
            field = path.rsplit(".", 1)[-1]
            if field.isdigit() or field == "label":  # options.2.label -> options
                field = "options"
            self.first = (item, field, str(problem))
            self.first_code = code

    def __bool__(self) -> bool:
        return bool(self.fields)

    def error(self) -> ApplicationError:
        item, field, problem = self.first
        if item is not None:
            message = _("检查项 %(item)s 的%(field)s:%(problem)s") % {
                "item": item, "field": field_label(field), "problem": problem,
            }
        else:
            message = _("%(field)s:%(problem)s") % {"field": field_label(field), "problem": problem}
        detail: dict[str, Any] = {"fields": self.fields}
        if self.first_code:
            detail["item_code"] = self.first_code
        if self.codes:
            detail["item_codes"] = self.codes
        return ApplicationError(ErrorCode.VALIDATION, message, detail)

    def raise_if_any(self) -> None:
        if self.fields:
            raise self.error()


# --- values ----------------------------------------------------------------------------------
def _decimal(value: Any, *, places: int, limit: Decimal) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise _Bad(_("必须是数字"))
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise _Bad(_("必须是数字")) from None
    if not number.is_finite():
        raise _Bad(_("必须是数字"))
    step = Decimal(1).scaleb(-places)
    if number != number.quantize(step):
        raise _Bad(_("最多 %(places)s 位小数") % {"places": places})
    if abs(number) >= limit:
        raise _Bad(_("数值过大"))
    return number.quantize(step)


def _text(value: Any, *, max_length: int, required: bool) -> str:
    if value is None:
        value = ""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise _Bad(_("必须是文字"))
    text = str(value).strip()
    if required and not text:
        raise _Bad(_("不能为空"))
    if len(text) > max_length:
        raise _Bad(_("不能超过 %(n)s 个字符") % {"n": max_length})
    return text


def _flag(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise _Bad(_("必须是 true 或 false"))


# --- items -----------------------------------------------------------------------------------
def _check_item(raw: Any, *, at: str, problems: Problems, taken: dict[str, str], fallback: str) -> dict | None:
    """Validate one item; problems go under `at` (e.g. "sections.0.items.3." or "" for a form)."""
    if not isinstance(raw, Mapping):
        problems.add(at.rstrip(".") or "item", _("检查项必须是对象"), item=fallback)
        return None
    try:
        code = _text(raw.get("code"), max_length=50, required=True)
        code_problem = _("编码不能包含空白字符") if any(ch.isspace() for ch in code) else None
    except _Bad as exc:
        code, code_problem = "", str(exc)
    who = code or fallback
    found = len(problems.fields)

    def bad(field: str, problem: str) -> None:
        problems.add(f"{at}{field}", problem, item=who, code=code or None)

    if code_problem:
        bad("code", code_problem)
    elif code.casefold() in taken:
        bad("code", _("编码 %(code)s 重复(%(where)s已使用)") % {"code": code, "where": taken[code.casefold()]})
    for key in sorted(set(raw) - set(ITEM_KEYS) - META_KEYS):
        bad(key, _("未知字段 %(key)s") % {"key": key})

    def read(field: str, reader, *args, **kwargs):
        try:
            return reader(raw.get(field), *args, **kwargs)
        except _Bad as exc:
            bad(field, str(exc))
            return None

    text = read("text", _text, max_length=500, required=True)
    guidance = read("guidance", _text, max_length=4000, required=False)
    category = read("category", _text, max_length=50, required=False)
    points = read("points", _decimal, places=2, limit=POINTS_LIMIT)
    pass_points = read("pass_points", _decimal, places=2, limit=POINTS_LIMIT)
    low = read("min", _decimal, places=4, limit=BOUND_LIMIT)
    high = read("max", _decimal, places=4, limit=BOUND_LIMIT)
    critical = read("critical", _flag)
    photo_required = read("photo_required", _flag)
    kind = raw.get("kind") if raw.get("kind") not in (None, "") else ItemKind.CHECK
    if kind not in ItemKind.values:
        bad("kind", _("未知类型 %(kind)s,应为 %(kinds)s之一") % {"kind": kind, "kinds": "/".join(ItemKind.values)})
        kind = None
    severity = raw.get("severity") if raw.get("severity") not in (None, "") else Severity.MEDIUM
    if severity not in Severity.values:
        bad("severity", _("未知严重程度 %(severity)s,应为 %(values)s之一") % {
            "severity": severity, "values": "/".join(Severity.values)})
    raw_options = raw.get("options")
    if raw_options is None:
        raw_options = []
    if not isinstance(raw_options, list | tuple):
        bad("options", _("选项必须是列表"))
        raw_options = []
    if points is None and f"{at}points" not in problems.fields:
        # A pass/fail item whose points were left out counts like every other: one point, so a
        # list of them scores the share passed. Stating 0 keeps an item that only raises findings.
        points = DEFAULT_CHECK_POINTS if kind == ItemKind.CHECK else Decimal("0.00")

    options: list[dict] = []
    if kind == ItemKind.CHECK:
        if points is not None and points < 0:
            bad("points", _("合格/不合格项的分值不能为负数"))
    elif kind == ItemKind.SCORE:
        if points is not None and points <= 0:
            bad("points", _("打分项的分值必须大于 0"))
        if pass_points is not None:
            if pass_points < 0:
                bad("pass_points", _("合格分不能为负数"))
            elif points is not None and pass_points > points:
                bad("pass_points", _("合格分不能大于分值 %(points)s") % {"points": _plain(points)})
    elif kind == ItemKind.NUMBER:
        if points is not None and points < 0:
            bad("points", _("数值项的分值不能为负数"))
        # One bound is enough ("在线仪表达标率 >= 95%": min 95, no max); with neither the item
        # could not be judged, so it is refused.
        unreadable = f"{at}min" in problems.fields or f"{at}max" in problems.fields
        if low is None and high is None and not unreadable:
            bad("min", _("数值项至少要设定最小值或最大值(只设最小值即不低于该值,只设最大值即不高于该值)"))
        if low is not None and high is not None and low > high:
            bad("min", _("最小值 %(min)s 不能大于最大值 %(max)s") % {"min": _plain(low), "max": _plain(high)})
    elif kind == ItemKind.CHOICE:
        options = _check_options(raw_options, at=at, bad=bad)
        if options:
            points = max(option["points"] for option in options)  # a choice earns at most its best option
    elif kind in (ItemKind.TEXT, ItemKind.PHOTO):
        if points:
            bad("points", _("文字和照片项只作记录,不计分,分值必须为 0"))
        if critical:
            bad("critical", _("文字和照片项不会不合格,不能设为红线项"))
    if kind is not None:
        if kind != ItemKind.SCORE and pass_points is not None:
            bad("pass_points", _("只有打分项可以设定合格分"))
        if kind != ItemKind.NUMBER:
            if low is not None:
                bad("min", _("只有数值项可以设定最小值"))
            if high is not None:
                bad("max", _("只有数值项可以设定最大值"))
        if kind != ItemKind.CHOICE and raw_options:
            bad("options", _("只有选项题可以设定选项"))
    if len(problems.fields) > found:
        return None
    if code:
        taken[code.casefold()] = fallback
    return {
        "code": code, "text": text, "guidance": guidance, "kind": str(kind), "points": points,
        "pass_points": pass_points, "min": low, "max": high, "options": options, "severity": str(severity),
        "critical": critical, "photo_required": photo_required, "category": category,
    }


def _check_options(raw_options, *, at: str, bad) -> list[dict]:
    if not raw_options:
        bad("options", _("选项题至少需要一个选项"))
        return []
    if len(raw_options) > MAX_OPTIONS:
        bad("options", _("选项不能超过 %(n)s 个") % {"n": MAX_OPTIONS})
        return []
    options: list[dict] = []
    labels: set[str] = set()
    ok = True
    for index, option in enumerate(raw_options):
        where = f"options.{index}"
        if not isinstance(option, Mapping):
            bad(where, _("第 %(n)s 个选项必须是对象") % {"n": index + 1})
            ok = False
            continue
        for key in sorted(set(option) - set(OPTION_KEYS)):
            bad(f"{where}.{key}", _("第 %(n)s 个选项有未知字段 %(key)s") % {"n": index + 1, "key": key})
            ok = False
        try:
            label = _text(option.get("label"), max_length=100, required=True)
            if "|" in label:
                raise _Bad(_("不能包含 |"))
        except _Bad as exc:
            bad(f"{where}.label", _("第 %(n)s 个选项的名称%(problem)s") % {"n": index + 1, "problem": exc})
            ok = False
            continue
        if label in labels:
            bad(f"{where}.label", _("选项 %(label)s 重复") % {"label": label})
            ok = False
        labels.add(label)
        try:
            points = _decimal(option.get("points"), places=2, limit=POINTS_LIMIT)
            if points is not None and points < 0:
                raise _Bad(_("不能为负数"))
            fails = _flag(option.get("fails"))
        except _Bad as exc:
            bad(f"{where}.points", _("选项 %(label)s:%(problem)s") % {"label": label, "problem": exc})
            ok = False
            continue
        options.append({"label": label, "points": points if points is not None else Decimal("0.00"),
                        "fails": fails})
    return options if ok else []


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def clean_item(raw: Mapping, *, taken_codes: set[str] | frozenset[str] = frozenset()) -> dict:
    """One item as a builder form submits it; problems are keyed by the plain field name."""
    problems = Problems()
    taken = {code.casefold(): _("本标准的其他检查项") for code in taken_codes}
    item = _check_item(raw, at="", problems=problems, taken=taken, fallback=_("新检查项"))
    problems.raise_if_any()
    return item


def clean_section_title(title: Any, *, taken_titles: set[str] | frozenset[str] = frozenset()) -> str:
    try:
        cleaned = _text(title, max_length=200, required=True)
    except _Bad as exc:
        raise validation_error("title", str(exc)) from None
    if cleaned in taken_titles:
        raise validation_error("title", _("分组 %(title)s 已存在") % {"title": cleaned})
    return cleaned


# --- documents -------------------------------------------------------------------------------
def _check_sections(raw_sections: Any, problems: Problems) -> list[dict]:
    if raw_sections is None:
        return []
    if not isinstance(raw_sections, list | tuple):
        problems.add("sections", _("必须是列表"))
        return []
    if len(raw_sections) > MAX_SECTIONS:
        problems.add("sections", _("分组不能超过 %(n)s 个") % {"n": MAX_SECTIONS})
        return []
    total = sum(len(s.get("items") or []) for s in raw_sections if isinstance(s, Mapping))
    if total > MAX_ITEMS:
        problems.add("sections", _("检查项不能超过 %(n)s 个") % {"n": MAX_ITEMS})
        return []
    sections: list[dict] = []
    taken: dict[str, str] = {}
    titles: set[str] = set()
    for s_index, raw_section in enumerate(raw_sections):
        at = f"sections.{s_index}"
        if not isinstance(raw_section, Mapping):
            problems.add(at, _("分组必须是对象"))
            continue
        for key in sorted(set(raw_section) - {"title", "items"} - META_KEYS):
            problems.add(f"{at}.{key}", _("第 %(n)s 个分组有未知字段 %(key)s") % {"n": s_index + 1, "key": key})
        try:
            title = _text(raw_section.get("title"), max_length=200, required=True)
        except _Bad as exc:
            problems.add(f"{at}.title", _("第 %(n)s 个分组的标题%(problem)s") % {"n": s_index + 1, "problem": exc})
            title = ""
        if title and title in titles:
            problems.add(f"{at}.title", _("分组 %(title)s 重复") % {"title": title})
        titles.add(title)
        raw_items = raw_section.get("items")
        if raw_items is None:
            raw_items = []
        if not isinstance(raw_items, list | tuple):
            problems.add(f"{at}.items", _("必须是列表"))
            raw_items = []
        items = []
        for i_index, raw_item in enumerate(raw_items):
            fallback = _("第 %(section)s 组第 %(item)s 项") % {"section": s_index + 1, "item": i_index + 1}
            item = _check_item(raw_item, at=f"{at}.items.{i_index}.", problems=problems, taken=taken,
                               fallback=fallback)
            if item is not None:
                items.append(item)
        sections.append({"title": title, "items": items})
    return sections


def clean_sections(raw_sections: Any) -> list[dict]:
    problems = Problems()
    sections = _check_sections(raw_sections, problems)
    problems.raise_if_any()
    return sections


def clean_document(raw: Any) -> dict:
    """A whole template document, normalised, or one refusal listing every problem."""
    problems = Problems()
    if not isinstance(raw, Mapping):
        raise validation_error("body", _("检查标准文档必须是 JSON 对象"))
    for key in sorted(set(raw) - {"name", "description", "sections"} - META_KEYS):
        problems.add(key, _("未知字段 %(key)s") % {"key": key})
    name = description = ""
    try:
        name = _text(raw.get("name"), max_length=200, required=True)
    except _Bad as exc:
        problems.add("name", str(exc))
    try:
        description = _text(raw.get("description"), max_length=4000, required=False)
    except _Bad as exc:
        problems.add("description", str(exc))
    sections = _check_sections(raw.get("sections"), problems)
    problems.raise_if_any()
    return {"name": name, "description": description, "sections": sections}


def check_publishable(sections: list[dict]) -> None:
    """What publishing needs beyond a valid draft: items that can be scored, and no empty group."""
    for index, section in enumerate(sections):
        if not section["items"]:
            raise validation_error(
                f"sections.{index}.items", _("分组 %(title)s 没有检查项,请添加检查项或删除该分组") % {
                    "title": section["title"]}
            )
    items = [item for section in sections for item in section["items"]]
    if not items:
        raise validation_error("sections", _("检查标准至少需要一个检查项才能发布"))
    possible = sum((item["points"] for item in items if item["kind"] in SCORABLE_KINDS), Decimal(0))
    if possible <= 0:
        raise validation_error("sections", _("检查标准至少需要一个有分值的检查项才能发布"))
