"""Who answers for a unit's findings, who accepts their rectification, and who may be named at a unit."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dudao.core.errors import validation_error
from dudao.org.choices import Role
from dudao.org.models import Person, RoleAssignment, Unit
from dudao.org.selectors import role_holders, unit_managers

from ..models import RECTIFIERS, Finding

__all__ = ["role_holders", "unit_manager_of"]


def unit_manager_of(unit: Unit) -> Person | None:
    """The person answerable for a unit (its longest-serving active unit manager), or None."""
    return next(iter(unit_managers([unit.pk])), None)


def verifiers(unit: Unit) -> list[Person]:
    """Who accepts a unit's rectification: its supervisors, else its ops managers, else the admins;
    never someone who manages the unit."""
    managers = {p.pk for p in role_holders(unit, RECTIFIERS)}
    for roles in ({Role.SUPERVISOR}, {Role.OPS_MANAGER}, {Role.ADMIN}):
        people = [p for p in role_holders(unit, roles) if p.pk not in managers]
        if people:
            return people
    return []


def unit_side(finding: Finding) -> list[Person]:
    """The people answering for the rectification: the responsible person and the owner."""
    return [p for p in (finding.responsible_person, finding.owner) if p is not None]


def check_member(person: Person, unit: Unit, field: str) -> None:
    """A responsible person or owner must work at the unit: hold a role on it or inside it."""
    member = (
        person.organization_id == unit.organization_id
        and person.is_active
        and RoleAssignment.objects.filter(person=person, unit__path__startswith=unit.path).exists()
    )
    if not member:
        raise validation_error(field, _("%(name)s 不在 %(unit)s 任职,不能指定") % {
            "name": person.display_name, "unit": unit.name})
