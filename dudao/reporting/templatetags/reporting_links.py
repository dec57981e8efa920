"""Links into reporting from other apps' pages, so those apps need not import reporting.

    {% load reporting_links %}
    {% draft_report_url inspection as report_url %}
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from ..permissions import can_draft_report

register = template.Library()


@register.simple_tag(takes_context=True)
def draft_report_url(context, inspection) -> str:
    """Where the signed-in person drafts a report from this submitted inspection, or "" when they may
    not (or the inspection is still a draft)."""
    request = context.get("request")
    actor = getattr(request, "user", None)
    if actor is None or inspection.submitted_at is None or not can_draft_report(actor, inspection.unit):
        return ""
    return f"{reverse('reporting:report-create')}?{urlencode({'inspection': inspection.pk})}"
