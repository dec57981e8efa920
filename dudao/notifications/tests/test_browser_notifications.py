"""The inbox in a real browser on the demo: bell count, day headers, a group that opens and reads its
members, mark read in place, open, preferences (phone and desktop)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"

MAKE_NOTIFICATIONS = """
from dudao.notifications.services import notify
from dudao.org.models import Person, Unit
person = Person.objects.get(username="{username}")
store = Unit.objects.get(code="{store}")
notify(recipients=[person], kind="finding.assigned", obj=store, title="南京西路店 检查发现 3 个问题待整改",
       body="· 后厨地面湿滑\\n· 灭火器过期\\n· 冷藏柜温度记录缺失", dedupe_key="browser:{username}:1")
notify(recipients=[person], kind="finding.escalated", obj=store, title="南京西路店 整改逾期 2 天,已升级到区域经理",
       dedupe_key="browser:{username}:2")
notify(recipients=[person], kind="finding.accepted", obj=store, title="南京西路店 整改已验收通过",
       dedupe_key="browser:{username}:3")
for index, unit in enumerate(Unit.objects.filter(kind="store").order_by("code")[:3]):
    notify(recipients=[person], kind="bulletin.published", obj=unit, title=unit.name + " 新公报",
           dedupe_key="browser:{username}:burst:" + str(index))
print(person.notifications.filter(read_at__isnull=True).count())
"""


def bell_count(page) -> str:
    counter = page.locator(".topbar .bell .bell-count")
    return counter.inner_text() if counter.count() else "0"


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_inbox_mark_read_open_and_preferences(demo_server, page_at, size):
    # Each size as another store manager, about their own store, so the runs do not share an inbox;
    # stores no other browser test works in, so no one else's notifications of today join the groups.
    username, store = ("store07", "S07") if size == "phone" else ("store08", "S08")
    unread = int(demo_server.shell(MAKE_NOTIFICATIONS.format(username=username, store=store)).splitlines()[-1])
    assert unread >= 6
    page = page_at(size)
    login(page, demo_server.url, username, PASSWORD)
    assert bell_count(page) == str(unread)
    page.click(".topbar .bell")
    page.wait_for_url("**/notifications/")
    expect(page.locator(".inbox-day-head").first).to_have_text("今天")
    screenshot(page, f"notifications-inbox-{size}")

    # Three of one kind today are one row; opening it shows them and reads all three.
    group = page.locator(".inbox-group", has_text="3 期新公报")
    expect(group).to_have_count(1)
    group.locator("summary").click()
    expect(page.locator(".topbar .bell .bell-count")).to_have_text(str(unread - 3))
    expect(page.locator(".inbox-group", has_text="3 期新公报").locator(".inbox-item")).to_have_count(3)
    expect(page.locator(".inbox-group", has_text="3 期新公报").locator(".inbox-item.unread")).to_have_count(0)
    screenshot(page, f"notifications-inbox-group-{size}")

    entry = page.locator(".inbox-item.unread", has_text="整改逾期 2 天")
    entry.get_by_role("button", name="标为已读").click()
    expect(page.locator(".topbar .bell .bell-count")).to_have_text(str(unread - 4))
    assert page.locator(".inbox-item", has_text="整改逾期 2 天").locator("text=已读").count() == 1

    page.click("text=南京西路店 检查发现 3 个问题待整改")
    page.wait_for_url("**/org/units/**")
    assert bell_count(page) == str(unread - 5)

    page.goto(f"{demo_server.url}/notifications/preferences/")
    screenshot(page, f"notifications-preferences-{size}")
    page.check("input[value=digest]")
    page.click("form.prefs button[type=submit]")
    page.wait_for_selector(".msg.success")
    assert page.is_checked("input[value=digest]")

    page.goto(f"{demo_server.url}/notifications/")
    page.click("text=全部标为已读")
    page.wait_for_selector(".msg.success")
    assert page.locator(".inbox-item.unread").count() == 0
    assert bell_count(page) == "0"
    screenshot(page, f"notifications-inbox-read-{size}")
    assert console_errors(page) == []
