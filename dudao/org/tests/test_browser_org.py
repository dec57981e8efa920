"""The issue's scenario in a real browser: the admin builds part of the tree, creates a person, grants a
role; that person signs in on a phone and sees only their subtree."""

import pytest

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"


def test_admin_adds_region_store_person_role_and_the_person_sees_only_that_subtree(demo_server, page_at):
    from playwright.sync_api import expect

    admin = page_at("desktop")
    login(admin, demo_server.url, "admin", PASSWORD)

    # A new region under the company.
    admin.goto(f"{demo_server.url}/org/units/new/")
    admin.select_option("#id_parent", label="鲜味餐饮集团")
    admin.fill("#id_code", "WEST")
    admin.fill("#id_name", "西南区")
    admin.select_option("#id_kind", "region")
    admin.click("form.stacked button[type=submit]")
    expect(admin.locator("h1")).to_contain_text("西南区")

    # A store in it, from the region's page.
    admin.click("text=添加下级机构")
    admin.fill("#id_code", "S13")
    admin.fill("#id_name", "成都春熙路店")
    admin.select_option("#id_kind", "store")
    admin.click("form.stacked button[type=submit]")
    expect(admin.locator("h1")).to_contain_text("成都春熙路店")

    # A person, then the region manager role on the new region.
    admin.goto(f"{demo_server.url}/people/new/")
    admin.fill("#id_username", "region4")
    admin.fill("#id_display_name", "西南区域经理")
    admin.fill("#id_password", "Sichuan-region-2026")
    admin.click("form.stacked button[type=submit]")
    expect(admin.locator("h1")).to_contain_text("西南区域经理")
    admin.select_option("#id_role", "region_manager")
    admin.select_option("#id_unit", label="— 西南区")
    admin.click("text=授予 >> nth=-1")
    expect(admin.locator(".messages")).to_contain_text("已授予角色")
    expect(admin.locator("table.list")).to_contain_text("西南区")
    screenshot(admin, "scenario-admin-person-desktop")

    # The new person on a phone sees their region and its store, and nothing else.
    phone = page_at("phone")
    login(phone, demo_server.url, "region4", "Sichuan-region-2026")
    phone.goto(f"{demo_server.url}/org/")
    tree = phone.locator("#org-tree")
    expect(tree).to_contain_text("西南区")
    expect(tree).to_contain_text("成都春熙路店")
    for elsewhere in ("鲜味餐饮集团", "华东区", "上海南京西路店"):
        expect(tree).not_to_contain_text(elsewhere)
    screenshot(phone, "scenario-region-manager-tree-phone")
    assert console_errors(admin) == [] and console_errors(phone) == []
    # Another region's store does not exist for them.
    other = demo_server.shell(
        "from dudao.org.models import Unit; print(Unit.objects.get(code='S01').pk)"
    )
    response = phone.goto(f"{demo_server.url}/org/units/{other}/")
    assert response.status == 404
