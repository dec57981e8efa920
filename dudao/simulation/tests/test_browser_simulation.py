"""The simulation in a real browser, on the demo: ops raises both pass marks to 85 for last month
and reads which store would have become a key target; the Excel download comes with it."""

import pytest

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_ops_simulates_a_pass_mark_of_85_on_last_month(demo_server, page_at, size):
    from playwright.sync_api import expect

    page = page_at(size)
    login(page, demo_server.url, "ops", PASSWORD)
    page.goto(f"{demo_server.url}/simulation/")
    expect(page.locator("h1")).to_contain_text("制度模拟")
    page.fill("#id_inspection_pass_mark", "85")
    page.fill("#id_evaluation_pass_mark", "85")
    page.click("button[type=submit]:has-text('模拟')")
    expect(page.locator("h2")).to_contain_text("的模拟结果")
    # The demo leaves one store between 80 and 85 last month: it would have become a key target.
    expect(page.locator("tr.appears").first).to_contain_text("新增重点整改")
    expect(page.locator(".policy-changes")).to_contain_text("evaluation.pass_mark")
    if size == "desktop":
        with page.expect_download() as download:
            page.click("button:has-text('导出 Excel')")
        assert download.value.suggested_filename.startswith("simulation-")
    screenshot(page, f"simulation-{size}")
    assert console_errors(page) == []
