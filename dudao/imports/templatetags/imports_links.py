"""Links into imports from other apps' pages (the org tree, people), so org need not import imports.

    {% load imports_links %}
    {% import_links "units" %}
"""

from __future__ import annotations

from django import template
from django.urls import reverse

from ..permissions import can_run_imports

register = template.Library()


@register.inclusion_tag("imports/partials/_links.html", takes_context=True)
def import_links(context, kind: str) -> dict:
    """Export to Excel and import from Excel for `kind`, for those who may (administrators)."""
    request = context.get("request")
    actor = getattr(request, "user", None)
    if actor is None or not can_run_imports(actor):
        return {"show": False}
    return {
        "show": True,
        "export_url": f"{reverse('api:import_export')}?kind={kind}",
        "import_url": f"{reverse('imports:run-new')}?kind={kind}",
    }
