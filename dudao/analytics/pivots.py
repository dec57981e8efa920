"""The dates a before/after comparison can pivot on, by kind: findings closed and new managers
(read here), and the sources apps above analytics register (training sessions: the simulation app,
which sits above both, registers `training`).

A source is called with the unit and a limit and answers [(date, label)], newest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.findings.models import Finding
from dudao.org.choices import Role, UnitKind
from dudao.org.models import RoleAssignment, Unit

PivotSource = Callable[[Unit, int], list[tuple[dt.date, str]]]
_SOURCES: dict[str, PivotSource] = {}
LIMIT = 10


def register_pivot_source(kind: str, source: PivotSource) -> None:
    _SOURCES[kind] = source


def findings_closed(unit: Unit, limit: int) -> list[tuple[dt.date, str]]:
    rows = (Finding.objects.filter(organization_id=unit.organization_id, unit__path__startswith=unit.path,
                                   closed_at__isnull=False)
            .order_by("-closed_at").values_list("closed_at", "title")[:limit])
    return [(timezone.localdate(closed_at), title) for closed_at, title in rows]


def new_managers(unit: Unit, limit: int) -> list[tuple[dt.date, str]]:
    """The unit's own managers (a region's region managers) by the day their role was granted."""
    role = Role.REGION_MANAGER if unit.kind == UnitKind.REGION else Role.UNIT_MANAGER
    rows = (RoleAssignment.objects.filter(organization_id=unit.organization_id, unit=unit, role=role)
            .order_by("-granted_at").values_list("granted_at", "person__display_name", "person__username")[:limit])
    return [(timezone.localdate(at), display or username) for at, display, username in rows]


KIND_LABELS = {
    "finding_closed": lambda: _("整改关闭"),
    "new_manager": lambda: _("新负责人"),
    "training": lambda: _("培训"),
}


def pivots_for(unit: Unit, limit: int = LIMIT) -> list[dict]:
    """Every offered pivot of the unit, newest first: {kind, kind_label, date, label}."""
    sources: dict[str, PivotSource] = {"finding_closed": findings_closed, "new_manager": new_managers, **_SOURCES}
    found = []
    for kind, source in sources.items():
        label = KIND_LABELS.get(kind, lambda k=kind: k)()
        for day, text in source(unit, limit):
            found.append({"kind": kind, "kind_label": str(label), "date": day, "label": text})
    found.sort(key=lambda p: (p["date"], p["kind"]), reverse=True)
    return found
