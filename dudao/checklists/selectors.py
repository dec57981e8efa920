"""Scoped reads of checklist templates: drafts are editors' work in progress, hidden from others."""

from __future__ import annotations

from django.db.models import Count, Q

from .choices import TemplateStatus
from .models import Item, Template
from .permissions import can_manage_templates


def templates_for(actor, action: str = "view"):
    """Templates the actor may read (`view`) or write (`manage`)."""
    templates = Template.objects.visible_to(actor, action)
    if action == "view" and not can_manage_templates(actor):
        templates = templates.exclude(status=TemplateStatus.DRAFT)
    return templates


def template_list(actor, *, status: str | None = None, q: str | None = None):
    """The list pages and endpoint show: one row per version, with its item count, in one query."""
    templates = (
        templates_for(actor)
        .select_related("created_by", "published_by")
        .annotate(item_count=Count("items"))
        .order_by("name", "-version", "id")
    )
    if status:
        templates = templates.filter(status=status)
    if q:
        templates = templates.filter(Q(name__icontains=q) | Q(description__icontains=q))
    return templates


def lineage_versions(actor, template: Template):
    """Every version of the template's lineage the actor may read, newest first."""
    return (
        templates_for(actor).filter(lineage=template.lineage)
        .select_related("created_by", "published_by").annotate(item_count=Count("items"))
        .order_by("-version")
    )


def published_templates(actor):
    """The versions new inspections and plans may use: published, in the actor's organisation."""
    return templates_for(actor).filter(status=TemplateStatus.PUBLISHED).order_by("name", "-version")


def item_texts(organization_id: int, codes: list[str]) -> dict[str, str]:
    """What each item code asks, as the newest template version of the organisation words it (the newest
    template row: a code names the same check across versions): {code: text}, codes no template has left out."""
    texts: dict[str, str] = {}
    rows = (Item.objects.filter(template__organization_id=organization_id, code__in=codes)
            .order_by("-template_id").values_list("code", "text"))
    for code, text in rows:
        texts.setdefault(code, text)
    return texts
