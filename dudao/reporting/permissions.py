"""What a person may do with reports and bulletins; views, endpoints and templates ask only these."""

from __future__ import annotations

from dudao.core.scoping import actor_covers, in_org, is_active_actor

from .choices import BulletinStatus
from .models import READERS, UNIT_MANAGERS, WRITERS
from .workflow import BULLETIN, REPORT


def can_draft_report(actor, scope_unit=None) -> bool:
    """Supervisors, operations managers and admins draft reports on the units their role covers."""
    if scope_unit is None:
        return is_active_actor(actor) and actor.has_role(*WRITERS)
    return in_org(actor, scope_unit) and actor_covers(actor, WRITERS, scope_unit.path)


def can_edit_report(actor, report) -> bool:
    return (REPORT.editable(report) and in_org(actor, report)
            and actor_covers(actor, WRITERS, report.scope_unit.path))


def can_submit_report(actor, report) -> bool:
    return REPORT.allowed(report, "submit") and can_edit_report(actor, report)


def can_compile_bulletin(actor, scope_unit=None) -> bool:
    """The supervision department compiles bulletins for the units its roles cover."""
    return can_draft_report(actor, scope_unit)


def can_publish_bulletin(actor, bulletin) -> bool:
    return (BULLETIN.allowed(bulletin, "publish") and in_org(actor, bulletin)
            and actor_covers(actor, WRITERS, bulletin.scope_unit.path))


def can_follow_bulletin_reads(actor, bulletin) -> bool:
    """Who sees which units have read a published bulletin: the readers above its scope."""
    return (bulletin.status == BulletinStatus.PUBLISHED and in_org(actor, bulletin)
            and actor_covers(actor, READERS, bulletin.scope_unit.path))


def managed_units_in_scope(actor, bulletin) -> list[int]:
    """Ids of the units in the bulletin's scope that the actor manages (whose receipts they sign)."""
    if not in_org(actor, bulletin):
        return []
    return [
        a.unit_id for a in actor.role_assignments_cached()
        if a.role in UNIT_MANAGERS and a.unit.path.startswith(bulletin.scope_unit.path)
    ]


def can_mark_bulletin_read(actor, bulletin) -> bool:
    return bulletin.status == BulletinStatus.PUBLISHED and bool(managed_units_in_scope(actor, bulletin))
