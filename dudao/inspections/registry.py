"""What inspections learn from the apps above them, without importing them.

A supervisor inspects the units of their own scope. An app above inspections may grant one more
thing: a planned visit outside that scope (calibration's blind second inspection, made by a
supervisor of another region). The granting app registers one `VisitGrant` in its
`AppConfig.ready()`; with none registered, nobody inspects outside their scope.

- `may_inspect(actor, visit)` -> bool: the actor may start an inspection of `visit.unit` for
  `visit` although the unit lies outside their scope;
- `granted_visits(actor)` -> a queryset of visit ids: the visits so granted to the actor, so that
  they see (and answer) the inspections they made for them, and nothing else of that unit.

An inspection started through a grant (the unit outside the actor's own scope) is a calibration
inspection (`Inspection.calibration`): it counts in no figure, raises no finding and is not
acknowledged by the unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q


@dataclass(frozen=True)
class VisitGrant:
    may_inspect: Callable[[Any, Any], bool]
    granted_visits: Callable[[Any], Any]


_GRANTS: list[VisitGrant] = []


def register_visit_grant(grant: VisitGrant) -> None:
    """Add a grant (once: a second registration of an equal grant is ignored)."""
    if grant not in _GRANTS:
        _GRANTS.append(grant)


def may_inspect(actor, visit) -> bool:
    """Whether a registered grant lets `actor` inspect `visit`'s unit for that visit."""
    return visit is not None and any(grant.may_inspect(actor, visit) for grant in _GRANTS)


def own_granted_inspections(actor) -> Q | None:
    """The inspections `actor` made for a granted visit (for `Inspection.scope_extra`)."""
    condition = None
    for grant in _GRANTS:
        term = Q(inspector_id=actor.pk, visit_id__in=grant.granted_visits(actor))
        condition = term if condition is None else condition | term
    return condition
