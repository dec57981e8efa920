"""The dashboard and the monthly evaluation in a real browser, on the demo: ECharts draws every chart
(a canvas per chart, no console errors or CSP violations) at desktop and phone sizes; the
evaluation page lists the demo's evaluated stores and an admin can run a month again."""

import pytest

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"


def charts_rendered(page) -> int:
    """Wait until every chart container holds its ECharts canvas; return how many there are."""
    containers = page.locator("[data-chart]")
    expected = containers.count()
    page.wait_for_function(
        "n => document.querySelectorAll('[data-chart][data-rendered=true] canvas').length >= n", arg=expected
    )
    return expected


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_dashboard_draws_its_charts(demo_server, page_at, size):
    from playwright.sync_api import expect

    page = page_at(size)
    login(page, demo_server.url, "gm", PASSWORD)
    page.goto(f"{demo_server.url}/analytics/")
    expect(page.locator("h1")).to_contain_text("运营分析")
    expect(page.locator(".kpis .kpi")).to_have_count(6)
    # Coverage and the trend always draw; severity, category, region and supervisors when there is data.
    assert charts_rendered(page) >= 2
    box = page.locator("[data-chart=chart-trend] canvas").first.bounding_box()
    assert box["width"] > 200 and box["height"] > 200
    # The last six months, through the period presets.
    page.click("text=近6个月")
    expect(page.locator(".presets a.active")).to_have_text("近6个月")
    charts_rendered(page)
    screenshot(page, f"analytics-dashboard-{size}")
    assert console_errors(page) == []


def test_region_manager_sees_their_region_and_exports_a_table(demo_server, page_at):
    from playwright.sync_api import expect

    page = page_at("desktop")
    login(page, demo_server.url, "region1", PASSWORD)
    page.goto(f"{demo_server.url}/analytics/")
    expect(page.locator("#id_scope option")).to_have_count(2)  # "all of mine" and 华东区
    charts_rendered(page)
    with page.expect_download() as download:
        page.click("a.export[href*='table=ranking']")
    assert download.value.suggested_filename.startswith("ranking-")
    assert console_errors(page) == []


def test_evaluations_page_and_run_again(demo_server, page_at):
    from playwright.sync_api import expect

    page = page_at("desktop")
    login(page, demo_server.url, "admin", PASSWORD)
    page.goto(f"{demo_server.url}/analytics/evaluations/")
    expect(page.locator("h1")).to_contain_text("月度综合评估")
    expect(page.locator("table.list tbody tr")).to_have_count(12)  # the demo's twelve stores
    page.click("text=运行评估")
    expect(page.locator(".messages")).to_contain_text("家机构")
    screenshot(page, "analytics-evaluations-desktop")
    phone = page_at("phone")
    login(phone, demo_server.url, "store01", PASSWORD)
    phone.goto(f"{demo_server.url}/analytics/evaluations/")
    expect(phone.locator("table.list tbody tr")).to_have_count(1)  # a store manager sees their store
    expect(phone.locator("text=运行评估")).to_have_count(0)
    screenshot(phone, "analytics-evaluations-store-phone")
    assert console_errors(page) == [] and console_errors(phone) == []
