"""What a figure is about, besides its period: a scope of units.

A scope is a set of unit subtrees within one organisation: one unit's subtree (a bulletin's or
a report's scope unit, the unit picked on the dashboard), the union of a person's subtrees, or
the whole organisation. Every figure filters by the unit of the record it counts (the inspected
unit, the finding's responsible unit, the visited unit).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from dudao.core.scoping import paths_filter
from dudao.org.models import Unit


@dataclass(frozen=True)
class Scope:
    """Unit subtrees of one organisation; `paths` None means the whole organisation."""

    organization_id: int
    paths: tuple[str, ...] | None
    unit: Unit | None = None

    @classmethod
    def of_unit(cls, unit: Unit) -> Scope:
        """`unit`'s subtree (the unit included)."""
        return cls(unit.organization_id, (unit.path,), unit)

    @classmethod
    def organisation(cls, organization_id: int) -> Scope:
        return cls(organization_id, None)

    def condition(self, unit_field: str = "unit") -> Q:
        """A filter keeping rows whose `unit_field` lies in the scope (organisation included)."""
        condition = Q(organization_id=self.organization_id)
        if self.paths is not None:
            condition &= paths_filter(f"{unit_field}__path", list(self.paths))
        return condition

    def units_condition(self) -> Q:
        """The same filter for Unit rows themselves."""
        condition = Q(organization_id=self.organization_id)
        if self.paths is not None:
            condition &= paths_filter("path", list(self.paths))
        return condition

    def contains(self, path: str) -> bool:
        return self.paths is None or any(path.startswith(prefix) for prefix in self.paths)
