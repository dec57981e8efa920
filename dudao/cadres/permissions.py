"""Who drafts and reads the quarterly cadre report. The rule: the operations manager and HR (and
administrators) draft, edit and publish it over the whole organisation; the executive reads it
over the organisation and region managers over their region; a store manager reads their own row
once the report is published."""

from dudao.core.scoping import actor_covers, is_active_actor

EDITORS = frozenset({"admin", "ops_manager", "hr"})
ORG_READERS = EDITORS | {"executive"}
READERS = ORG_READERS | {"region_manager"}


REGION_READERS = frozenset({"region_manager"})


def region_paths(actor) -> list[str]:
    """The subtrees where the actor reads cadre rows as a region manager."""
    paths = actor.scope_paths(REGION_READERS) if is_active_actor(actor) else []
    return [] if isinstance(paths, str) else list(paths)


def reads_every_row(actor, report) -> bool:
    """Whether the actor reads the whole report, not only their region's rows."""
    return actor.has_role(*ORG_READERS) or actor_covers(actor, REGION_READERS, report.scope_unit.path)


def can_view_cadre_reports(actor) -> bool:
    return is_active_actor(actor) and actor.has_role(*READERS)


def can_draft_cadre_report(actor, unit) -> bool:
    """Drafting covers any scope of the organisation: the editors work organisation-wide."""
    return (is_active_actor(actor) and unit.organization_id == actor.organization_id
            and actor.has_role(*EDITORS))


def can_edit_cadre_report(actor, report) -> bool:
    return is_active_actor(actor) and report.organization_id == actor.organization_id and actor.has_role(*EDITORS)


