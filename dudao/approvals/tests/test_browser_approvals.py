"""The issue's scenario in a real browser on the demo: a store manager requests a 250-yuan purchase;
the department head and then the operations manager approve it from their inboxes."""

from __future__ import annotations

import pytest

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"


def test_a_250_yuan_purchase_goes_through_the_department_head_then_the_operations_manager(demo_server, page_at):
    from playwright.sync_api import expect

    store = page_at("phone")
    login(store, demo_server.url, "store01", PASSWORD)
    store.goto(f"{demo_server.url}/approvals/new/?kind=purchase")
    store.fill("#id_title", "后厨排风扇更换")
    store.fill("#id_amount", "250")
    store.fill("#id_items", "排风扇 1 台")
    store.fill("#id_reason", "原排风扇噪音大、排风不足")
    store.click("form.stacked button[type=submit]")
    expect(store.locator("h1")).to_contain_text("后厨排风扇更换")
    expect(store.locator("ol.steps .step")).to_have_count(2)
    screenshot(store, "approvals-requested-phone")

    for username, comment in (("depthead", "同意"), ("ops", "同意采购")):
        approver = page_at("phone")
        login(approver, demo_server.url, username, PASSWORD)
        approver.goto(f"{demo_server.url}/approvals/")
        approver.click("table.approvals a:has-text('后厨排风扇更换')")
        approver.fill("#id_comment", comment)
        screenshot(approver, f"approvals-decide-{username}-phone")
        approver.click("button[name=decision][value=approve]")
        expect(approver.locator(".messages")).to_contain_text("已同意")
        assert console_errors(approver) == []

    store.reload()
    expect(store.locator("h1 .badge")).to_have_text("已通过")
    expect(store.locator("ol.steps .step.approved")).to_have_count(2)
    assert console_errors(store) == []
