"""What planning reads of inspections and of the findings they raise, registered into
`dudao.planning.registry` in `InspectionsConfig.ready()`: planning sits below both apps and never
imports them. Inspections that count are submitted or acknowledged ones that are not calibration
inspections (`models.COUNTED`, as in `dudao.facts.figures`); a draft counts for nothing."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from dudao.findings.choices import FindingStatus
from dudao.findings.models import Finding

from .models import COUNTED, Inspection


def ad_hoc_inspections(organization_id: int, unit_ids: list[int], begin: dt.datetime, finish: dt.datetime):
    """(unit_id, inspector_id, performed_at) of counting inspections made without a planned visit."""
    return Inspection.objects.filter(
        COUNTED, organization_id=organization_id, unit_id__in=unit_ids, visit__isnull=True,
        performed_at__gte=begin, performed_at__lt=finish,
    ).values_list("unit_id", "inspector_id", "performed_at")


def recent_scores(organization_id: int, unit_ids: list[int], since: dt.datetime):
    """(unit_id, score, performed_at) of scored counting inspections since `since`, newest first per unit."""
    return (
        Inspection.objects.filter(COUNTED, organization_id=organization_id, unit_id__in=unit_ids,
                                  performed_at__gte=since, score__isnull=False)
        .order_by("unit_id", "-performed_at")
        .values_list("unit_id", "score", "performed_at")
    )


def open_findings(organization_id: int, unit_ids: list[int], today: dt.date):
    """(unit_id, open, overdue) for units with findings not closed; overdue is due before `today`."""
    return (
        Finding.objects.filter(organization_id=organization_id, unit_id__in=unit_ids)
        .exclude(status=FindingStatus.CLOSED)
        .values("unit_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
        .values_list("unit_id", "open", "overdue")
    )
