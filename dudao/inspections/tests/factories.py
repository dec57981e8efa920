"""Test data for inspections: published templates built from compact item specs."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from dudao.checklists.choices import TemplateStatus
from dudao.checklists.models import Item, Section, Template

ONE_OF_EACH = [
    {"code": "C1", "text": "地面清洁无积水", "kind": "check", "points": 10, "category": "process_compliance"},
    {"code": "S1", "text": "服务礼仪", "kind": "score", "points": 10, "pass_points": 8},
    {"code": "N1", "text": "冷藏温度(℃)", "kind": "number", "points": 10, "min_value": 0, "max_value": 5},
    {"code": "O1", "text": "出品质量", "kind": "choice", "points": 0,
     "options": [{"label": "优", "points": 10, "fails": False}, {"label": "良", "points": 6, "fails": False},
                 {"label": "差", "points": 0, "fails": True}]},
    {"code": "T1", "text": "店长意见", "kind": "text", "points": 0},
    {"code": "P1", "text": "后厨全景照片", "kind": "photo", "points": 0, "photo_required": True},
    {"code": "R1", "text": "无过期食材(红线)", "kind": "check", "points": 10, "critical": True, "severity": "critical"},
]


def make_template(world, items=None, *, name="门店检查表", sections=1, publish=True, author="admin") -> Template:
    items = items if items is not None else ONE_OF_EACH
    template = Template.objects.create(
        organization=world.org, name=name, created_by=world.people[author],
        status=TemplateStatus.PUBLISHED if publish else TemplateStatus.DRAFT,
        published_at=timezone.now() if publish else None,
    )
    section_rows = [Section.objects.create(template=template, title=f"第{i + 1}部分", position=i)
                    for i in range(sections)]
    Item.objects.bulk_create([
        Item(template=template, section=section_rows[index % sections], position=index, code=spec["code"],
             text=spec["text"], kind=spec["kind"], points=Decimal(str(spec.get("points", 0))),
             pass_points=spec.get("pass_points"), min_value=spec.get("min_value"), max_value=spec.get("max_value"),
             options=spec.get("options", []), severity=spec.get("severity", "medium"),
             critical=spec.get("critical", False), photo_required=spec.get("photo_required", False),
             category=spec.get("category", ""))
        for index, spec in enumerate(items)
    ])
    return template


def check_items(count: int, prefix: str = "I") -> list[dict]:
    return [{"code": f"{prefix}{n:03d}", "text": f"检查项 {n}", "kind": "check", "points": 5} for n in range(count)]


# A check-in position for on-site inspections (every pack requires one on site). The test world's
# stores have no coordinates, so no distance is checked against it.
AT_STORE = {"latitude": Decimal("31.230416"), "longitude": Decimal("121.473701"), "location_accuracy_m": 12.0}
AT_STORE_FORM = {"latitude": "31.230416", "longitude": "121.473701", "location_accuracy_m": "12"}
