"""Demo cadre report: the CURRENT quarter's draft for the whole organisation, through the real
service. The demo's history covers only the last months, so the last complete quarter would have
no figures; the quarter under way has them (inspections, evaluations, appraisals, discipline,
training), drafted as a provisional report the operations manager can read and edit, and drafts
again once the quarter has ended before publishing."""

from __future__ import annotations

from django.utils import timezone

from . import services
from .selectors import current_quarter


def load_demo(context) -> None:
    actor = context.people.get("ops") or context.people["admin"]
    root = context.units.get("ROOT") or next(u for u in context.units.values() if u.parent_id is None)
    services.cadre_report_create(actor=actor, quarter=current_quarter(timezone.localdate()), scope_unit=root)
