"""Who may import and export: the organisation's administrators (imports change the whole tree)."""

from dudao.core.scoping import is_active_actor

from .workflow import IMPORT_RUN


def can_run_imports(actor) -> bool:
    return is_active_actor(actor) and actor.has_role("admin")


def can_apply_run(actor, run) -> bool:
    return (can_run_imports(actor) and run.organization_id == actor.organization_id and run.dry_run
            and IMPORT_RUN.allowed(run, "apply_dry_run") and not run.applications.exists())
