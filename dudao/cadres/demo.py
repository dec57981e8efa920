"""Demo cadre report: the last complete quarter's draft for the whole organisation, through the
real service, so the operations manager finds every store manager's figures and suggestions ready
to confirm and publish, as a new user would."""

from __future__ import annotations

from django.utils import timezone

from . import services
from .selectors import last_complete_quarter


def load_demo(context) -> None:
    actor = context.people.get("ops") or context.people["admin"]
    root = context.units.get("ROOT") or next(u for u in context.units.values() if u.parent_id is None)
    services.cadre_report_create(actor=actor, quarter=last_complete_quarter(timezone.localdate()), scope_unit=root)
