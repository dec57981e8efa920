"""Scoped reads of inspections: the filtered list and the full detail."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone

from dudao.checklists.models import Template
from dudao.core.models import Attachment
from dudao.org.selectors import within_unit

from .models import Answer, Inspection


def inspection_list(actor, *, unit_id=None, template_id=None, inspector_id=None, status=None,
                    date_from: dt.date | None = None, date_to: dt.date | None = None,
                    score_min=None, score_max=None, region_id=None):
    inspections = (
        Inspection.objects.visible_to(actor)
        .select_related("unit", "template", "inspector")
        .order_by("-performed_at", "-id")
    )
    if unit_id:
        inspections = inspections.filter(unit_id=unit_id)
    if region_id:
        inspections = within_unit(inspections, actor, int(region_id))
    if template_id:
        # Every version of the chosen standard.
        inspections = inspections.filter(
            template__lineage__in=Template.objects.filter(pk=template_id).values("lineage")
        )
    if inspector_id:
        inspections = inspections.filter(inspector_id=inspector_id)
    if status:
        inspections = inspections.filter(status=status)
    if date_from:
        inspections = inspections.filter(performed_at__gte=_start_of(date_from))
    if date_to:
        inspections = inspections.filter(performed_at__lt=_start_of(date_to + dt.timedelta(days=1)))
    if score_min is not None:
        inspections = inspections.filter(score__gte=score_min)
    if score_max is not None:
        inspections = inspections.filter(score__lte=score_max)
    return inspections


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def with_detail(queryset):
    """Everything the detail needs, in a fixed number of queries."""
    return queryset.select_related(
        "unit", "template", "inspector", "acknowledged_by", "follow_up_of"
    ).prefetch_related(
        Prefetch("answers", queryset=Answer.objects.select_related("item", "item__section")
                 .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.select_related("unit", "uploaded_by")))
                 .order_by("item__section__position", "item__position", "id")),
        "findings",
    )
