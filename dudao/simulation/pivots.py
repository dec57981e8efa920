"""Training sessions as pivots of the before/after comparison (analytics sits below training)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from dudao.org.selectors import path_ids
from dudao.training.models import Session


def training_sessions(unit, limit: int) -> list[tuple[dt.date, str]]:
    """Sessions held for the unit, a unit inside it, or a unit above it, newest first (one query)."""
    condition = Q(scope_unit__path__startswith=unit.path) | Q(scope_unit_id__in=path_ids(unit.path))
    rows = (Session.objects.filter(condition, organization_id=unit.organization_id, starts_at__lte=timezone.now())
            .order_by("-starts_at").values_list("starts_at", "title")[:limit])
    return [(timezone.localdate(starts_at), title) for starts_at, title in rows]
