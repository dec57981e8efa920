"""Composed, scoped reads of the organisation tree."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q

from dudao.core.scoping import EVERYWHERE

from .choices import ORG_WIDE_ROLES, UnitKind
from .models import Person, RoleAssignment, Unit


def within_unit(queryset, actor, unit_id: int, *, field: str = "unit"):
    """The rows of `queryset` at the unit or below it: one indexed prefix match on the unit's
    materialised path (`LIKE '/1/4/%'`), read first, instead of a `LIKE '%/4/%'` that must scan
    every path. A unit of another organisation, or none, matches nothing."""
    path = (Unit.objects.filter(pk=unit_id, organization_id=actor.organization_id)
            .values_list("path", flat=True).first())
    return queryset.filter(**{f"{field}__path__startswith": path}) if path else queryset.none()


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


# --- who holds a role over a unit, and which region a unit lies in ---------------------------
# One definition each, used by routing, escalation, evaluations, reports and notifications.
def path_ids(path: str) -> list[int]:
    """The unit ids along a materialised path, root first ("/1/4/17/" -> [1, 4, 17])."""
    return [int(part) for part in path.strip("/").split("/") if part]


def _shared_depth(a: str, b: str) -> int:
    shared = 0
    for left, right in zip(path_ids(a), path_ids(b), strict=False):
        if left != right:
            break
        shared += 1
    return shared


class RoleHolders:
    """The active holders of some roles in one organisation, loaded once (one query), to answer
    "who holds role R over unit U" for many units without a query each.

    A person holds a role over a unit when the role is granted on the unit or one of its ancestors,
    or when the role is organisation-wide (admin, executive). Each person appears once per answer,
    ordered by name then id so that lists and notifications are stable."""

    def __init__(self, organization_id: int, roles: Iterable[str]) -> None:
        self.assignments = list(
            RoleAssignment.objects.filter(organization_id=organization_id, role__in=set(roles),
                                          person__is_active=True)
            .select_related("person", "unit").order_by("granted_at", "id")
        )

    @staticmethod
    def _people(assignments) -> list[Person]:
        people = {a.person_id: a.person for a in assignments}
        return sorted(people.values(), key=lambda person: (person.display_name, person.pk))

    def holding(self, role: str, *, exclude_ids: Iterable[int] = ()) -> list:
        excluded = set(exclude_ids)
        return [a for a in self.assignments if a.role == role and a.person_id not in excluded]

    def over(self, unit: Unit, role: str, *, fallback: str = "", exclude_ids: Iterable[int] = ()) -> list[Person]:
        """Holders of `role` over `unit`. When nobody holds it there, `fallback` says where to look:
        "" nowhere; "nearest" the holders granted closest to the unit in the tree (a department
        head of a sibling department serves the stores too); "organisation" every holder of the
        role (an escalation must never go nowhere)."""
        held = self.holding(role, exclude_ids=exclude_ids)
        if role in ORG_WIDE_ROLES:
            return self._people(held)
        covering = [a for a in held if unit.path.startswith(a.unit.path)]
        if covering or not held or not fallback:
            return self._people(covering)
        if fallback == "nearest":
            depths = {a.pk: _shared_depth(a.unit.path, unit.path) for a in held}
            nearest = max(depths.values())
            return self._people([a for a in held if depths[a.pk] == nearest])
        if fallback == "organisation":
            return self._people(held)
        raise ValueError(f"unknown fallback {fallback!r}")


def role_holders(unit: Unit, roles: Iterable[str], *, nearest: Iterable[str] = (),
                 exclude_ids: Iterable[int] = ()) -> list[Person]:
    """Active people holding one of `roles` over `unit` (on it or an ancestor, or organisation-wide),
    each once, by name. For the roles in `nearest` (those that serve from the operations center),
    when nobody holds the role over the unit the holders nearest to it in the tree stand in.
    `exclude_ids` are left out before that fallback is looked for."""
    roles, nearest, exclude_ids = set(roles), set(nearest), set(exclude_ids)
    holders = RoleHolders(unit.organization_id, roles)
    people: dict[int, Person] = {}
    for role in sorted(roles):
        fallback = "nearest" if role in nearest else ""
        for person in holders.over(unit, role, fallback=fallback, exclude_ids=exclude_ids):
            people.setdefault(person.pk, person)
    return sorted(people.values(), key=lambda person: (person.display_name, person.pk))


class Regions:
    """The organisation's regions (one query), to name each unit's region without a query per row.

    A unit's region is its nearest ancestor-or-self of kind region. Rankings group a unit that lies
    in no region with its parent unit's other children (`group_id`)."""

    def __init__(self, organization_id: int) -> None:
        self.units = list(
            Unit.objects.filter(organization_id=organization_id, kind=UnitKind.REGION)
            .only("id", "name", "path", "organization_id").order_by("path")
        )
        self.by_id = {region.pk: region for region in self.units}

    def of(self, unit_or_path) -> Unit | None:
        """The region `unit_or_path` lies in (its nearest region ancestor, or itself), or None."""
        path = unit_or_path if isinstance(unit_or_path, str) else unit_or_path.path
        for unit_id in reversed(path_ids(path)):
            if unit_id in self.by_id:
                return self.by_id[unit_id]
        return None

    def group_id(self, path: str) -> int | None:
        """The id units are ranked within: the region, else the parent unit (None for the root)."""
        region = self.of(path)
        if region is not None:
            return region.pk
        ids = path_ids(path)
        return ids[-2] if len(ids) > 1 else None

    def visible_to(self, actor) -> list[Unit]:
        """The regions the actor sees (all of them for organisation-wide roles)."""
        paths = actor.scope_paths(None)
        if paths == EVERYWHERE:
            return self.units
        return [r for r in self.units if any(r.path.startswith(p) for p in paths)]


def region_of(unit: Unit) -> Unit | None:
    """The region one unit lies in (one query); use `Regions` for many units."""
    return Regions(unit.organization_id).of(unit)
