"""Who drafts and reads the quarterly cadre report. The rule: the operations manager and HR (and
administrators) draft, edit and publish it over the whole organisation; the executive reads it
over the organisation and region managers over their region; a store manager reads their own row
once the report is published."""

from dudao.core.scoping import actor_covers, is_active_actor

EDITORS = frozenset({"admin", "ops_manager", "hr"})
ORG_READERS = EDITORS | {"executive"}
READERS = ORG_READERS | {"region_manager"}


def can_view_cadre_reports(actor) -> bool:
    return is_active_actor(actor) and actor.has_role(*READERS)


def can_draft_cadre_report(actor, unit) -> bool:
    """Drafting covers any scope of the organisation: the editors work organisation-wide."""
    return (is_active_actor(actor) and unit.organization_id == actor.organization_id
            and actor.has_role(*EDITORS))


def can_edit_cadre_report(actor, report) -> bool:
    return is_active_actor(actor) and report.organization_id == actor.organization_id and actor.has_role(*EDITORS)


def can_read_cadre_report(actor, report) -> bool:
    if not is_active_actor(actor) or report.organization_id != actor.organization_id:
        return False
    return actor.has_role(*ORG_READERS) or actor_covers(actor, frozenset({"region_manager"}), report.scope_unit.path)
