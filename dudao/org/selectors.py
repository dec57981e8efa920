"""Composed, scoped reads of the organisation tree."""

from __future__ import annotations

from django.db.models import Count, Q

from dudao.core.scoping import EVERYWHERE

from .models import Person, RoleAssignment, Unit


def visible_units(actor):
    return Unit.objects.visible_to(actor).order_by("path")


def unit_children(actor, parent: Unit | None):
    """The visible children of `parent` (or the visible tops of the tree), with their child counts."""
    units = Unit.objects.visible_to(actor)
    if parent is None:
        # The tops of what the actor sees: the root for org-wide roles, else each granted subtree.
        paths = actor.scope_paths(None)
        units = units.filter(parent__isnull=True) if paths == EVERYWHERE else units.filter(path__in=paths)
    else:
        units = units.filter(parent=parent)
    return units.annotate(child_count=Count("children")).order_by("kind", "code")


def unit_people(actor, unit: Unit):
    return (
        RoleAssignment.objects.visible_to(actor)
        .filter(unit=unit)
        .select_related("person")
        .order_by("role", "person__display_name")
    )


def people_page(actor, q: str = "", active: str = ""):
    people = Person.objects.visible_to(actor).prefetch_related("role_assignments__unit")
    if q:
        people = people.filter(Q(display_name__icontains=q) | Q(username__icontains=q))
    if active in {"1", "0"}:
        people = people.filter(is_active=active == "1")
    return people.order_by("-is_active", "display_name", "id")


def unit_managers(unit_ids) -> list[Person]:
    """The active unit managers of the given units, each person once, longest-serving first (the
    first of one unit's list is the person answerable for it)."""
    from .choices import Role

    people: dict[int, Person] = {}
    for assignment in (
        RoleAssignment.objects.filter(unit_id__in=list(unit_ids), role=Role.UNIT_MANAGER, person__is_active=True)
        .select_related("person")
        .order_by("granted_at", "id")
    ):
        people.setdefault(assignment.person_id, assignment.person)
    return list(people.values())
