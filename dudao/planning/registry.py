"""What planning reads of the work of apps above it, without importing them.

Coverage counts inspections made without a plan; proposals weigh a unit's open findings and its
recent scores. Those records belong to inspections and findings, which sit above planning in the
layers (docs/architecture.md), so the app that owns them registers a source here in its
`AppConfig.ready()`, as approvals' outcome handlers are registered:

    register_source(AD_HOC_INSPECTIONS, ad_hoc_inspections)

A source not registered reads as "nothing": planning works alone, as it must in its own tests.
A name has at most one source: two apps claiming one is a programming error.

The sources, each one query whatever the number of units:

- `AD_HOC_INSPECTIONS(organization_id, unit_ids, begin, finish)` -> `(unit_id, inspector_id,
  performed_at)` of the inspections that count (submitted or acknowledged) made without a planned
  visit, performed in [begin, finish);
- `RECENT_SCORES(organization_id, unit_ids, since)` -> `(unit_id, score, performed_at)` of the
  scored inspections that count, performed since `since`, newest first within each unit;
- `OPEN_FINDINGS(organization_id, unit_ids, today)` -> `(unit_id, open, overdue)` per unit with
  findings not closed, overdue meaning due before `today`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

AD_HOC_INSPECTIONS = "ad_hoc_inspections"
RECENT_SCORES = "recent_scores"
OPEN_FINDINGS = "open_findings"
NAMES = frozenset({AD_HOC_INSPECTIONS, RECENT_SCORES, OPEN_FINDINGS})

Source = Callable[..., Iterable[tuple]]

_SOURCES: dict[str, Source] = {}


def _name(source: Source) -> str:
    return f"{getattr(source, '__module__', '')}.{getattr(source, '__qualname__', repr(source))}"


def register_source(name: str, source: Source) -> None:
    """Make `source` the one planning reads for `name` (one of `NAMES`)."""
    if name not in NAMES:
        raise ValueError(f"unknown planning source: {name}")
    existing = _SOURCES.get(name)
    if existing is not None and _name(existing) != _name(source):
        raise ValueError(f"planning source {name!r} is already registered: {_name(existing)}")
    _SOURCES[name] = source


def read(name: str, *args) -> list[tuple]:
    """The rows of the source registered for `name`, or none when no app registered one."""
    source = _SOURCES.get(name)
    return list(source(*args)) if source is not None else []
