"""Who may read and change checklist templates; views, endpoints and templates ask only these."""

from __future__ import annotations

from dudao.core.scoping import is_active_actor

from .models import TEMPLATE_EDITORS
from .workflow import TEMPLATE


def can_view_templates(actor) -> bool:
    """Standards are organisation-wide: anyone holding a role reads the published ones."""
    return is_active_actor(actor) and bool(actor.roles())


def can_manage_templates(actor) -> bool:
    """Editors (admin, ops manager, supervisor) write drafts, publish, revise and retire."""
    return is_active_actor(actor) and actor.has_role(*TEMPLATE_EDITORS)


def _own(actor, template) -> bool:
    return can_manage_templates(actor) and template.organization_id == actor.organization_id


def can_edit_template(actor, template) -> bool:
    return _own(actor, template) and TEMPLATE.editable(template)


def can_publish_template(actor, template) -> bool:
    return _own(actor, template) and TEMPLATE.allowed(template, "publish")


def can_retire_template(actor, template) -> bool:
    return _own(actor, template) and TEMPLATE.allowed(template, "retire")


def can_revise_template(actor, template) -> bool:
    """A published or retired version can be revised into the lineage's next draft."""
    return _own(actor, template) and not TEMPLATE.editable(template)
