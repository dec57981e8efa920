"""The demo standards: published through the services by the operations manager, every kind present."""

from __future__ import annotations

from dudao.checklists.choices import ItemKind, TemplateStatus
from dudao.checklists.demo import FOOD_SAFETY, STORE_OPERATIONS, load_demo
from dudao.checklists.models import Item, Template
from dudao.core.models import AuditEvent
from dudao.policies.registry import policy_for
from dudao.provisioning.services import DemoContext


def test_demo_templates(world):
    ops = world.people["ops_manager"]
    load_demo(DemoContext(organization=world.org, people={"ops": ops}, units={}))
    store, food = Template.objects.get(name=STORE_OPERATIONS), Template.objects.get(name=FOOD_SAFETY)
    for template in (store, food):
        assert (template.status, template.version, template.created_by_id, template.published_by_id) == (
            TemplateStatus.PUBLISHED, 1, ops.pk, ops.pk)
        assert AuditEvent.objects.filter(object_id=str(template.pk), action="template.publish").exists()
    assert list(store.sections.order_by("position").values_list("title", flat=True)) == [
        "食品安全", "卫生清洁", "服务质量", "设备与安全"]
    items = Item.objects.filter(template=store)
    assert 18 <= items.count() <= 24 and 6 <= Item.objects.filter(template=food).count() <= 10
    assert set(items.values_list("kind", flat=True)) == set(ItemKind.values)
    assert items.get(code="FS01").critical and items.filter(photo_required=True).count() >= 3
    fridge = items.get(code="FS02")
    assert (fridge.kind, fridge.min_value, fridge.max_value) == ("number", 0, 5)
    assert any(option["fails"] for option in items.get(code="FS06").options)
    categories = {c.code for c in policy_for(world.org).findings.categories}
    assert set(items.exclude(category="").values_list("category", flat=True)) <= categories
