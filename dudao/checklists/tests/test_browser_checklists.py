"""Templates in a real browser: the editor builds a draft with htmx, previews it on a phone, publishes
it; a store manager reads the published standards without any editing buttons."""

import pytest

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"


def test_editor_builds_previews_and_publishes_a_template(demo_server, page_at):
    from playwright.sync_api import expect

    desk = page_at("desktop")
    login(desk, demo_server.url, "ops", PASSWORD)
    desk.goto(f"{demo_server.url}/templates/")
    expect(desk.locator("#template-table")).to_contain_text("门店营运标准检查表")
    screenshot(desk, "checklists-list-desktop")
    desk.click("text=门店营运标准检查表")
    expect(desk.locator("h1")).to_contain_text("门店营运标准检查表")
    expect(desk.locator("body")).to_contain_text("过期")
    screenshot(desk, "checklists-detail-desktop")

    # A new draft, built in place: a group, then items of two kinds.
    desk.goto(f"{demo_server.url}/templates/new/")
    desk.fill("#id_name", "夜班巡查表")
    desk.click("form.stacked button[type=submit]")
    expect(desk.locator("h1")).to_contain_text("编辑检查标准")
    desk.fill("#id_section-new-title", "收市检查")
    desk.click("text=添加分组 >> nth=-1")
    expect(desk.locator("#builder")).to_contain_text("1. 收市检查")
    desk.click("summary:has-text('添加检查项')")
    form = desk.locator("details.add-item[open] form")
    form.locator("input[name$='-code']").fill("N01")
    form.locator("input[name$='-text']").fill("燃气总阀已关闭")
    form.locator("select[name$='-kind']").select_option("check")
    form.locator("input[name$='-points']").fill("5")
    form.locator("input[name$='-critical']").check()
    form.locator("button[type=submit]").click()
    expect(desk.locator("#builder")).to_contain_text("燃气总阀已关闭")
    # A refusal shows next to its field, and only the fields a number item uses are shown.
    desk.click("summary:has-text('添加检查项')")
    form = desk.locator("details.add-item[open] form")
    form.locator("input[name$='-code']").fill("N02")
    form.locator("input[name$='-text']").fill("冷库温度")
    form.locator("select[name$='-kind']").select_option("number")
    expect(form.locator(".f-options")).to_be_hidden()
    expect(form.locator(".f-min")).to_be_visible()
    form.locator("button[type=submit]").click()
    expect(desk.locator(".f-min .errorlist")).to_contain_text("数值项至少要设定最小值或最大值")
    # One bound is enough: at most -12 ℃.
    desk.locator("details.add-item[open] input[name$='-max']").fill("-12")
    desk.locator("details.add-item[open] button[type=submit]").click()
    expect(desk.locator("#builder")).to_contain_text("冷库温度")
    expect(desk.locator("#builder")).to_contain_text("合格范围 ≤ -12")
    desk.locator("#builder li.builder-item").nth(1).locator("button[aria-label='上移']").click()
    expect(desk.locator("#builder li.builder-item").first).to_contain_text("N02")
    screenshot(desk, "checklists-builder-desktop")

    phone = page_at("phone")
    login(phone, demo_server.url, "ops", PASSWORD)
    template_id = desk.url.rstrip("/").split("/")[-2]
    phone.goto(f"{demo_server.url}/inspections/preview/{template_id}/")
    expect(phone.locator(".item-card")).to_have_count(2)
    # The real run screen: answering works on the page, and "submit" names what is still missing.
    phone.locator("#item-N01 .opt.pass").click()
    expect(phone.locator("#progress-answered")).to_have_text("1")
    phone.click("#submit")
    expect(phone.locator("#missing")).to_contain_text("N02")
    expect(phone.locator("#submit-error")).to_contain_text("预览")
    screenshot(phone, "checklists-preview-new-phone")
    phone.goto(f"{demo_server.url}/templates/")
    screenshot(phone, "checklists-list-phone")

    desk.click("text=发布 >> nth=0")
    expect(desk.locator(".messages")).to_contain_text("已发布 夜班巡查表 第 1 版")
    assert console_errors(desk) == [] and console_errors(phone) == []


def test_store_manager_reads_the_standard_on_a_phone(demo_server, page_at):
    from playwright.sync_api import expect

    phone = page_at("phone")
    login(phone, demo_server.url, "store01", PASSWORD)
    phone.goto(f"{demo_server.url}/templates/")
    expect(phone.locator("body")).not_to_contain_text("新建检查标准")
    phone.click("text=门店营运标准检查表")
    expect(phone.locator(".actions")).not_to_contain_text("编辑")
    screenshot(phone, "checklists-detail-phone")
    phone.click("text=预览(督导手机视图)")
    expect(phone.locator("#item-FS01")).to_contain_text("红线")
    screenshot(phone, "checklists-preview-phone")
    assert console_errors(phone) == []
