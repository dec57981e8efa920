"""Test data for checklist templates, made through the real services."""

from __future__ import annotations

import copy

from dudao.checklists import services
from dudao.checklists.document import template_document
from dudao.checklists.models import Item, Section, Template
from dudao.core.models import AuditEvent

SECTIONS = [
    {"title": "食品安全", "items": [
        {"code": "A01", "text": "无过期食材", "kind": "check", "points": 10, "critical": True,
         "severity": "critical", "photo_required": True, "category": "risk", "guidance": "抽查 3 件"},
        {"code": "A02", "text": "冷藏温度(℃)", "kind": "number", "points": 5, "min": 0, "max": 5},
        {"code": "A03", "text": "留样", "kind": "choice",
         "options": [{"label": "规范", "points": 5, "fails": False}, {"label": "未留样", "points": 0, "fails": True}]},
    ]},
    {"title": "卫生", "items": [
        {"code": "B01", "text": "地面清洁", "kind": "score", "points": 10, "pass_points": 8},
        {"code": "B02", "text": "意见记录", "kind": "text"},
        {"code": "B03", "text": "后厨照片", "kind": "photo", "photo_required": True, "severity": "low"},
    ]},
]


def sections() -> list[dict]:
    return copy.deepcopy(SECTIONS)


def draft(world, actor="ops_manager", name="门店检查表", **kwargs):
    return services.template_create(actor=world.people[actor], name=name, sections=sections(), **kwargs)


def published(world, actor="ops_manager", name="门店检查表"):
    template = draft(world, actor, name)
    return services.template_publish(actor=world.people[actor], template=template)


def other_org_published(world, name="乙行检查表"):
    return published(world, "b_admin", name)


def other_org_draft(world, name="乙行草稿"):
    return draft(world, "b_admin", name)


def counts():
    return Template.objects.count(), Section.objects.count(), Item.objects.count(), AuditEvent.objects.count()


def state(template):
    """Everything a refused call must leave as it was: the version's rows, content and the audit log."""
    versions = sorted(Template.objects.filter(lineage=template.lineage).values_list(
        "id", "version", "status", "name", "description", "published_at"))
    return versions, template_document(Template.objects.get(pk=template.pk)), counts()
