"""In a real browser on the demo: the store manager chased for an overdue meeting action opens
"我的会议事项" on a phone, sees it highlighted, and marks it done with a note."""

from __future__ import annotations

import re

import pytest

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"
OVERDUE = """
from django.utils import timezone
from dudao.meetings.models import MeetingAction
today = timezone.localdate()
action = MeetingAction.objects.filter(status="open", due_date__lt=today).select_related("owner").get()
print(action.pk, action.meeting_id, action.owner.username)
"""


def test_an_owner_on_a_phone_marks_their_overdue_action_done(demo_server, page_at):
    from playwright.sync_api import expect

    action_id, meeting_id, username = demo_server.shell(OVERDUE).splitlines()[-1].split(" ")
    page = page_at("phone")
    login(page, demo_server.url, username, PASSWORD)
    page.goto(f"{demo_server.url}/")
    page.locator(".who-toggle").tap()
    page.locator(".who-panel").get_by_role("link", name="我的会议事项").tap()
    page.wait_for_url(re.compile(r"/meetings/$"))
    row = page.locator("#my-actions tr.overdue")
    expect(row).to_contain_text("已逾期")
    screenshot(page, "meetings-mine-phone")
    row.get_by_role("link").tap()
    page.wait_for_url(re.compile(rf"/meetings/{meeting_id}/"))
    action = page.locator(f"#action-{action_id}")
    expect(action).to_have_class(re.compile("overdue"))
    action.locator("input[name=note]").fill("已复查并提交报告")
    action.get_by_role("button", name="标记完成").tap()
    page.wait_for_url(re.compile(rf"/meetings/{meeting_id}/$"))
    expect(page.locator(f"#action-{action_id}")).to_contain_text("已完成")
    expect(page.locator(f"#action-{action_id}")).not_to_have_class(re.compile("overdue"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(page, "meetings-detail-phone")
    assert console_errors(page) == []
