"""In a real browser on the demo: a supervisor on a phone finds their appraisal through the user
menu and reads every figure of it, with nothing wider than the screen."""

from __future__ import annotations

import re

import pytest

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"
# supervisor2's appraisal: the demo's own when it has one, else last month's supervisors' cycle
# over the whole organisation, opened by the ops manager (no other browser test signs in as them).
APPRAISAL = """
import datetime as dt
from django.utils import timezone
from dudao.appraisal import services
from dudao.appraisal.models import Appraisal
from dudao.org.models import Person, Unit
person = Person.objects.get(username="supervisor2")
appraisal = Appraisal.objects.filter(person=person).order_by("-id").first()
if appraisal is None:
    ops = Person.objects.get(username="ops")
    root = Unit.objects.get(organization=ops.organization, depth=0)
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    cycle = services.cycle_create(actor=ops, role="supervisor", period=f"{last_month:%Y-%m}", scope_unit=root)
    appraisal = Appraisal.objects.get(cycle=cycle, person=person)
print(appraisal.pk, person.display_name)
"""


@pytest.fixture(scope="module")
def appraisal(demo_server) -> tuple[int, str]:
    """(id, the person's name) of supervisor2's appraisal."""
    pk, name = demo_server.shell(APPRAISAL).splitlines()[-1].split(" ", 1)
    return int(pk), name


def test_a_supervisor_on_a_phone_opens_their_appraisal_from_the_user_menu(demo_server, page_at, appraisal):
    from playwright.sync_api import expect

    appraisal_id, name = appraisal
    page = page_at("phone")
    login(page, demo_server.url, "supervisor2", PASSWORD)
    page.goto(f"{demo_server.url}/")
    page.locator(".who-toggle").tap()
    page.locator(".who-panel").get_by_role("link", name="我的考核").tap()
    page.wait_for_url(re.compile(r"/appraisal/mine/$"))
    item = page.locator(f"a.my-item[href='/appraisal/{appraisal_id}/']")
    expect(item).to_be_visible()
    screenshot(page, "appraisal-mine-phone")

    item.tap()
    page.wait_for_url(re.compile(rf"/appraisal/{appraisal_id}/$"))
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator(".scorebox")).to_contain_text("考核得分")
    lines = page.locator("table.kpis tr.kpi-line")
    assert lines.count() >= 2
    expect(page.locator("td.explanation").first).not_to_be_empty()
    expect(page.locator("section.bonus")).to_contain_text("奖金基数")
    expect(page.locator("#manual-scores")).to_have_count(0)  # nobody scores their own appraisal
    expect(page.get_by_role("link", name="下载 PDF")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, "appraisal-detail-phone")

    response = page.request.get(f"{demo_server.url}/appraisal/{appraisal_id}/pdf/")
    assert response.status == 200 and response.body().startswith(b"%PDF")
    assert console_errors(page) == []
