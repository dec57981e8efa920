"""Announcements that a record the supervision figures count has changed: "unit U, the month of
moment M". The figures (`dudao.facts`) keep monthly rollups per unit and month; the apps that own
the records (inspections, findings, planning, org) sit below facts and cannot import it, so their
services announce each change here, inside the changing transaction, and facts registers the
listener that marks those (unit, month) rollups for recomputing in its `AppConfig.ready()`:

    figures_changed(organization_id, [(unit_id, finding.created_at), (unit_id, finding.due_date)])

A moment is a date or an aware datetime (its local month counts) or None, meaning every month of
the unit and of its subtree (a unit moved in the tree). With no listener registered (an app's own
tests) an announcement does nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

Change = tuple[int, dt.date | dt.datetime | None]
Listener = Callable[[int, list[Change]], None]

_LISTENERS: list[Listener] = []


def on_figures_changed(listener: Listener) -> Listener:
    """Register `listener(organization_id, changes)`; registering the same one twice is harmless."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)
    return listener


def figures_changed(organization_id: int, changes: Iterable[Change]) -> None:
    """Tell the listeners that records of these (unit, moment) pairs changed."""
    changes = [(unit_id, moment) for unit_id, moment in changes if unit_id is not None]
    if not changes:
        return
    for listener in _LISTENERS:
        listener(organization_id, changes)
