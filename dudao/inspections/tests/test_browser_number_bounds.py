"""On the phone's run screen, a number item with one bound warns only beyond that bound."""

from __future__ import annotations

import json

import pytest

from dudao.core.testing.browser import console_errors, login

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"

SETUP = """
import json
from django.utils import timezone
from dudao.checklists.models import Item, Section, Template
from dudao.org.models import Person, Unit

admin = Person.objects.get(username="admin")
name = "浏览器单边范围检查表"
template = Template.objects.filter(organization=admin.organization, name=name, status="published").first()
if template is None:
    template = Template.objects.create(organization=admin.organization, name=name, created_by=admin,
                                       status="published", published_at=timezone.now())
    section = Section.objects.create(template=template, title="在线监测", position=0)
    Item.objects.create(template=template, section=section, position=0, code="ON01", text="在线仪表达标率(%)",
                        kind="number", points=10, min_value=95)
    Item.objects.create(template=template, section=section, position=1, code="ON02", text="出水氨氮(mg/L)",
                        kind="number", points=10, max_value=5)
store = Unit.objects.get(organization=admin.organization, code="S01")
print(json.dumps({"template": template.pk, "store": store.pk}))
"""


def test_one_sided_ranges_warn_only_beyond_their_bound(demo_server, page_at):
    from playwright.sync_api import expect

    setup = json.loads(demo_server.shell(SETUP).splitlines()[-1])
    page = page_at("phone")
    login(page, demo_server.url, "supervisor1", PASSWORD)
    page.goto(f"{demo_server.url}/inspections/start/?unit={setup['store']}&template={setup['template']}")
    page.check("input[name=mode][value=remote]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/run/")
    expect(page.locator("#item-ON01 .hint.range")).to_have_text("允许范围:≥ 95")
    expect(page.locator("#item-ON02 .hint.range")).to_have_text("允许范围:≤ 5")
    for code, outside, inside in (("ON01", "94", "99999"), ("ON02", "5.5", "-3")):
        card = page.locator(f"#item-{code}")
        card.locator(".number-input").fill(outside)
        expect(card.locator(".value-warning")).to_contain_text("超出允许范围")
        card.locator(".number-input").fill(inside)
        expect(card.locator(".value-warning")).to_be_hidden()
    assert console_errors(page) == []
