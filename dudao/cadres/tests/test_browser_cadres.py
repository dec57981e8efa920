"""In a real browser on the demo: the operations manager opens the current quarter's provisional
cadre report from the top bar (said to be provisional, nothing to publish yet) and changes one store
manager's judgement with a comment; then drafts the last complete quarter from the form, settles
the same person and publishes; that store manager reads it on a phone from the user menu, with
nothing wider than the screen."""

from __future__ import annotations

import re

import pytest

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"
REPORT = """
from dudao.cadres.models import CadreReport
report = CadreReport.objects.order_by("id").first()
row = report.rows.get(person__username="store02")
print(report.pk, row.pk)
"""


def test_ops_publish_the_cadre_report_and_the_store_manager_reads_it_on_a_phone(demo_server, page_at):
    from playwright.sync_api import expect

    report_id, row_id = map(int, demo_server.shell(REPORT).splitlines()[-1].split())
    desk = page_at("desktop")
    login(desk, demo_server.url, "ops", PASSWORD)
    desk.goto(f"{demo_server.url}/")
    desk.locator("#main-nav summary", has_text="人事绩效").click()
    desk.get_by_role("link", name="干部评估").click()
    desk.wait_for_url(re.compile(r"/cadres/$"))
    desk.locator(f"a[href='/cadres/{report_id}/']").click()
    expect(desk.locator("table.cadre-table tbody tr")).to_have_count(12)
    expect(desk.locator(".banner.provisional")).to_contain_text("季度尚未结束，数据截至今天，仅供参考")
    expect(desk.get_by_role("button", name="发布报告")).to_have_count(0)
    desk.locator(f"a[href='/cadres/{report_id}/rows/{row_id}/']").click()
    desk.fill("#id_comment", "本季度进行中，先关注整改")
    desk.get_by_role("button", name="保存").click()
    desk.wait_for_url(re.compile(rf"/cadres/{report_id}/"))
    expect(desk.locator(f"#row-{row_id}")).to_contain_text("本季度进行中，先关注整改")
    screenshot(desk, "cadres-provisional-desktop")

    # The last complete quarter, proposed by the form, is final and can be published.
    desk.goto(f"{demo_server.url}/cadres/new/")
    desk.get_by_role("button", name="起草").click()
    desk.wait_for_url(re.compile(r"/cadres/\d+/$"))
    expect(desk.locator(".banner.provisional")).to_have_count(0)
    desk.locator("table.cadre-table tbody tr", has_text="上海淮海中路店长").get_by_role("link", name="修改").click()
    desk.select_option("#id_post", "coach")
    desk.fill("#id_comment", "下季度参加店长轮训")
    desk.get_by_role("button", name="保存").click()
    expect(desk.locator("table.cadre-table")).to_contain_text("下季度参加店长轮训")
    desk.get_by_role("button", name="发布报告").click()
    expect(desk.locator("h1 .badge").first).to_contain_text("已发布")
    screenshot(desk, "cadres-report-desktop")
    assert console_errors(desk) == []

    phone = page_at("phone")
    login(phone, demo_server.url, "store02", PASSWORD)
    phone.goto(f"{demo_server.url}/")
    phone.locator(".who-toggle").tap()
    phone.locator(".who-panel").get_by_role("link", name="我的季度评估").tap()
    phone.wait_for_url(re.compile(r"/cadres/me/$"))
    expect(phone.locator("section.card")).to_contain_text("辅导培养")
    expect(phone.locator("section.card")).to_contain_text("下季度参加店长轮训")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(phone, "cadres-mine-phone")
    assert console_errors(phone) == []
