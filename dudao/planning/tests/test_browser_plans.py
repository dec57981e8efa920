"""The issue's scenario in a real browser on the demo: a supervisor drafts next week's plan from the
proposal, sees coverage satisfied, submits it; the general manager approves it from the inbox; the
visits appear on the calendar and on the supervisor's week."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"
EAST_STORES = ["上海南京西路店", "上海淮海中路店", "杭州西湖店", "南京新街口店"]


def free_monday() -> dt.date:
    """The first week the demo leaves free to plan: its schedules fill the coming two weeks (the
    generation job looks 14 days ahead), so the Monday three weeks from this week's."""
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday()) + dt.timedelta(weeks=2)


def test_a_week_plan_is_drafted_from_the_proposal_submitted_and_approved(demo_server, page_at):
    from playwright.sync_api import expect

    start = free_monday()
    supervisor = page_at("phone")
    login(supervisor, demo_server.url, "supervisor1", PASSWORD)

    # Draft: a week plan for the supervisor's region, in a week no schedule has filled yet.
    supervisor.goto(f"{demo_server.url}/plans/new/")
    supervisor.select_option("#id_kind", "week")
    supervisor.fill("#id_day", start.isoformat())
    supervisor.select_option("#id_scope_unit", label="— 华东区")
    supervisor.fill("#id_focus", "冷链与食品留样")
    supervisor.click("form.stacked button[type=submit]")

    # The proposal: one visit to each of the region's four stores, coverage satisfied once saved.
    expect(supervisor.locator("h1")).to_have_text("计划建议")
    rows = supervisor.locator(".proposal-table tbody tr")
    expect(rows).to_have_count(4)
    expect(supervisor.locator(".coverage .rule.ok")).to_contain_text("每家门店每周至少由其督导巡店一次")
    # The supervisor edits the proposal: the last visit moves to Friday.
    supervisor.fill("#id_form-3-date", (start + dt.timedelta(days=4)).isoformat())
    screenshot(supervisor, "plans-proposal-phone")
    supervisor.click("#save-proposal")

    expect(supervisor.locator(".messages")).to_contain_text("已保存 4 次走访")
    expect(supervisor.locator(".coverage .rule.ok")).to_have_count(1)
    expect(supervisor.locator("#visits tbody tr")).to_have_count(4)
    plan_url = supervisor.url
    supervisor.click("#submit-plan")
    expect(supervisor.locator(".messages")).to_contain_text("已提交审批")
    expect(supervisor.locator("h1 .badge")).to_have_text("审批中")
    screenshot(supervisor, "plans-submitted-phone")

    # The general manager approves it from the inbox.
    gm = page_at("desktop")
    login(gm, demo_server.url, "gm", PASSWORD)
    gm.goto(f"{demo_server.url}/approvals/")
    title = f"华东区 {start.isocalendar()[0]}年第{start.isocalendar()[1]}周督导计划"
    gm.click(f"table.approvals a:has-text('{title}')")
    expect(gm.locator("ol.steps")).to_contain_text("总经理")
    gm.fill("#id_comment", "同意,注意冷链")
    screenshot(gm, "plans-approval-desktop")
    gm.click("button[name=decision][value=approve]")
    expect(gm.locator(".messages")).to_contain_text("已同意")

    # Published: on the plan, the calendar and the supervisor's week.
    supervisor.goto(plan_url)
    expect(supervisor.locator("h1 .badge")).to_have_text("已发布")
    supervisor.goto(f"{demo_server.url}/plans/my-week/?week={start.isoformat()}")
    expect(supervisor.locator(".visit-card")).to_have_count(4)
    expect(supervisor.locator(".week")).to_contain_text("上海南京西路店")
    screenshot(supervisor, "plans-my-week-phone")
    gm.goto(f"{demo_server.url}/plans/calendar/?month={start:%Y-%m}")
    # The proposal puts the store that most needs a visit first; whichever it is, Monday has it.
    monday = gm.locator(f".day[data-date='{start.isoformat()}'] .visit").first
    expect(monday).to_be_visible()
    assert any(store in monday.inner_text() for store in EAST_STORES)
    # This week, every region's published plan is on the calendar; the region filter keeps one.
    gm.goto(f"{demo_server.url}/plans/calendar/")
    expect(gm.locator("#calendar")).to_contain_text("华南督导")
    gm.select_option("#id_region", label="华东区")
    expect(gm.locator("#calendar")).not_to_contain_text("华南督导")
    expect(gm.locator("#calendar")).to_contain_text("华东督导")
    screenshot(gm, "plans-calendar-desktop")
    assert console_errors(supervisor) == [] and console_errors(gm) == []
