"""Who may import and export. Each import kind states the roles that may import it
(`ImportKind.importers`): units, people and the onboarding workbook stay with the organisation's
administrators (they change the whole tree); appraisal data may also be imported by ops managers
and HR, each row only for a subject inside the importer's part of the tree (the kind checks that
row by row). Exports of the current records stay with the administrators."""

from dudao.core.scoping import is_active_actor

from .choices import ONBOARDING
from .registry import kind_for, registered_kinds
from .workflow import IMPORT_RUN

ADMINS = frozenset({"admin"})


def kind_importers(code: str) -> frozenset[str]:
    """The roles that may import `code` (onboarding: administrators); none for an unknown kind."""
    if code == ONBOARDING:
        return ADMINS
    kind = kind_for(code)
    return kind.importers if kind is not None else frozenset()


def all_importers() -> frozenset[str]:
    """Every role that may import some kind: who may see runs at all."""
    return ADMINS.union(*(kind.importers for kind in registered_kinds()))


def can_import_kind(actor, code: str) -> bool:
    roles = kind_importers(code)
    return bool(roles) and is_active_actor(actor) and actor.has_role(*roles)


def importable_kinds(actor) -> list[str]:
    """The kinds the actor may import, onboarding last (the kind picker's order)."""
    if not is_active_actor(actor):
        return []
    codes = [kind.code for kind in registered_kinds() if can_import_kind(actor, kind.code)]
    return codes + [ONBOARDING] if can_import_kind(actor, ONBOARDING) else codes


def can_run_imports(actor) -> bool:
    """May open the imports pages (the navigation asks this): imports at least one kind."""
    return bool(importable_kinds(actor))


def can_export(actor) -> bool:
    """Exports hold the whole organisation's records: administrators only."""
    return is_active_actor(actor) and actor.has_role(*ADMINS)


def can_apply_run(actor, run) -> bool:
    return (can_import_kind(actor, run.kind) and run.organization_id == actor.organization_id and run.dry_run
            and IMPORT_RUN.allowed(run, "apply_dry_run") and not run.applications.exists())
