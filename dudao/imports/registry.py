"""The import kinds the engine knows: one per kind of record, registered by the app that owns it.

The engine (reading files, matching headers, the run record, dry run, all-or-nothing apply,
progress, history) knows nothing about units, KPI values or attendance. A kind does:

- `fields`: what a row holds (`Field`: code, Chinese and English label, required, type, help,
  allowed values, header aliases);
- `plan(rows, context)`: validate every row and say what it would change (`RowPlan`: errors per
  field, or create / update with before -> after / unchanged), without writing anything; the
  existing records are looked up in bulk, never one query per row;
- `apply(plans, context)`: write the planned changes through the owning app's services, inside the
  engine's transaction;
- `export_rows(organization)` (optional): the current records in the import's own format;
- `importers`: the roles that may import it (administrators unless the kind says otherwise).

An app above imports registers its kinds in its AppConfig.ready():

    from dudao.imports.registry import register_kind
    register_kind(KpiValuesKind())
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise

from dudao.core.scoping import EVERYWHERE

_KINDS: dict[str, ImportKind] = {}


@dataclass(frozen=True)
class Field:
    """One column of an import."""

    code: str
    label: Promise | str
    label_en: str
    required: bool = False
    type: str = "text"
    help: Promise | str = ""
    aliases: tuple[str, ...] = ()
    choices: Callable[[], list[tuple[str, object]]] | None = None
    """Allowed values as (code, label); a cell may hold either (see `choice_value`)."""

    def headers(self) -> set[str]:
        """Every header that names this field: code, Chinese and English labels, aliases."""
        names = {self.code, zh(self.label), self.label_en, *self.aliases}
        return {normalise_header(name) for name in names if name}

    def allowed_values(self) -> list[tuple[str, str]]:
        return [(code, zh(label)) for code, label in (self.choices() if self.choices else [])]

    def choice_value(self, text: str) -> str | None:
        """The code a cell names, by code or by its Chinese or English label; None when unknown."""
        wanted = text.strip().lower()
        for code, label in self.choices() if self.choices else []:
            if wanted in {str(code).lower(), zh(label).lower(), en(label).lower()}:
                return str(code)
        return None


@dataclass
class Row:
    """One data row as the user sees it: `number` is its Excel row (the header is row 1)."""

    number: int
    values: dict[str, str]
    sheet: str = ""

    def get(self, code: str) -> str:
        return (self.values.get(code) or "").strip()


@dataclass
class RowPlan:
    """What one row would do: its errors (field -> message), or its action and changed fields."""

    row: Row
    key: str = ""
    action: str = "unchanged"
    changes: dict[str, list] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    """Whatever the kind's apply needs (resolved codes, the existing object)."""

    def error(self, field_code: str, message) -> None:
        self.errors.append((field_code, str(message)))


@dataclass
class PlanContext:
    """What a kind's plan and apply share: the organisation, the actor, the other kinds of one
    onboarding workbook (`shared`), and a progress callback for long files."""

    organization_id: int
    actor: object
    shared: dict = field(default_factory=dict)
    progress: Callable[[int], None] = lambda done: None
    roles: frozenset[str] | None = None
    """The roles by which the actor imports the kind being planned (its `importers`)."""

    def covers(self, path: str | None) -> bool:
        """Whether a subject at the unit `path` lies inside the importer's part of the tree (a
        subject without a unit only for the organisation-wide roles)."""
        paths = self.actor.scope_paths(self.roles)
        if paths == EVERYWHERE:
            return True
        return path is not None and any(path.startswith(prefix) for prefix in paths)


class ImportKind:
    """Base of every kind; subclasses set the class attributes and implement plan and apply."""

    code: str = ""
    label: Promise | str = ""
    label_en: str = ""
    sheet_names: tuple[str, ...] = ()
    """Names of its sheet in an onboarding workbook (Chinese, English)."""
    fields: tuple[Field, ...] = ()
    key_field: str = ""
    """The field that identifies a record (a unit's code, a person's username)."""
    importers: frozenset[str] = frozenset({"admin"})
    """The roles that may import this kind. A kind open to roles below the administrators checks
    each row's subject with `PlanContext.covers` (a row outside is a row error)."""

    def field(self, code: str) -> Field:
        return next(f for f in self.fields if f.code == code)

    def plan(self, rows: list[Row], context: PlanContext) -> list[RowPlan]:
        raise NotImplementedError

    def apply(self, plans: list[RowPlan], context: PlanContext) -> tuple[int, int]:
        """Write the plans; returns (created, updated). Raise `RowFailure` to refuse a row."""
        raise NotImplementedError

    def export_rows(self, organization) -> Iterable[dict[str, str]] | None:
        return None

    def count(self, plans: list[RowPlan]) -> tuple[int, int]:
        """(created, updated) records the plans would write; by default one record per row."""
        created = sum(1 for p in plans if p.action == "create")
        updated = sum(1 for p in plans if p.action == "update")
        return created, updated


class RowFailure(Exception):
    """A row refused while writing (a service said no): the whole import rolls back."""

    def __init__(self, row: Row, field_code: str, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.field_code = field_code
        self.message = message


def register_kind(kind: ImportKind) -> None:
    """Make `kind` importable; one app per kind code (two claiming one is a programming error)."""
    existing = _KINDS.get(kind.code)
    if existing is not None and type(existing) is not type(kind):
        raise ValueError(f"import kind {kind.code!r} is already registered by {type(existing).__module__}")
    _KINDS[kind.code] = kind


def kind_for(code: str) -> ImportKind | None:
    return _KINDS.get(code)


def registered_kinds() -> list[ImportKind]:
    return list(_KINDS.values())


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def en(label) -> str:
    with translation.override("en"):
        return str(label)


def normalise_header(name) -> str:
    return "".join(str(name or "").split()).lower().replace("*", "").replace("（", "(").replace("）", ")")
