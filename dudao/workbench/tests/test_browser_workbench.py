"""In a real browser on the demo: a supervisor and a store manager sign in on a phone, see what needs
them first, tap the next action and reach the right page; the header stays on top; every link of
every demo role's bar opens."""

from __future__ import annotations

import re

import pytest

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"
# A visit today for supervisor1 at 上海南京西路店 (S01), in a published month plan scoped to the store
# (the demo's week plans put visits on Monday to Thursday, so "today" needs its own).
VISIT_TODAY = """
from django.utils import timezone
from dudao.approvals.models import ApprovalRequest
from dudao.approvals.services import approval_decide
from dudao.checklists.models import Template
from dudao.core.periods import month_end, month_start
from dudao.org.models import Person, Unit
from dudao.planning import services
from dudao.planning.models import Visit
supervisor = Person.objects.get(username="supervisor1")
store = Unit.objects.get(organization=supervisor.organization, code="S01")
today = timezone.localdate()
visit = Visit.objects.filter(supervisor=supervisor, unit=store, date=today, plan__title="工作台演示计划").first()
if visit is None:
    template = Template.objects.filter(organization=supervisor.organization, status="published").order_by("id").first()
    plan = services.plan_create(actor=supervisor, title="工作台演示计划", kind="month", period_start=month_start(today),
                                period_end=month_end(today), scope_unit=store, focus="复查", methods=["on_site"])
    services.plan_visits_add(actor=supervisor, plan=plan, visits=[
        services.VisitInput(unit=store, supervisor=supervisor, date=today, template=template, mode="on_site")])
    plan = services.plan_submit(actor=supervisor, plan=plan)
    approval_decide(actor=Person.objects.get(username="gm"), approval=ApprovalRequest.objects.get(pk=plan.approval_id),
                    decision="approve", comment="同意")
    visit = plan.visits.get()
print(visit.pk)
"""
DEMO_USERS = ["admin", "gm", "ops", "depthead", "hr", "finance", "region1", "supervisor1", "store01", "staff01"]


@pytest.fixture(scope="module")
def visit_today(demo_server):
    return int(demo_server.shell(VISIT_TODAY).splitlines()[-1])


def test_a_supervisor_on_a_phone_starts_todays_visit_from_the_workbench(demo_server, page_at, visit_today):
    from playwright.sync_api import expect

    page = page_at("phone")
    login(page, demo_server.url, "supervisor1", PASSWORD)
    page.goto(f"{demo_server.url}/")
    first = page.locator(".wb-section").first
    expect(first).to_have_attribute("id", "wb-visits")
    expect(first).to_contain_text("今日巡店")
    row = first.locator(f"a.wb-item[href*='visit={visit_today}']")
    expect(row).to_contain_text("上海南京西路店")
    expect(row.locator(".wb-go")).to_have_text("开始巡店")
    screenshot(page, "workbench-supervisor-phone")

    row.locator(".wb-go").tap()
    page.wait_for_url(re.compile(rf"/inspections/start/\?visit={visit_today}$"))
    expect(page.locator("main")).to_contain_text("上海南京西路店")
    assert console_errors(page) == []


def test_a_store_manager_on_a_phone_opens_the_most_urgent_finding(demo_server, page_at):
    from playwright.sync_api import expect

    page = page_at("phone")
    login(page, demo_server.url, "store01", PASSWORD)
    page.goto(f"{demo_server.url}/")
    first = page.locator(".wb-section").first
    expect(first).to_have_attribute("id", "wb-store_findings")
    row = first.locator("a.wb-item").first
    title = row.locator(".wb-title").inner_text()
    screenshot(page, "workbench-store-manager-phone")

    row.tap()
    page.wait_for_url(re.compile(r"/findings/\d+/$"))
    expect(page.locator("h1")).to_contain_text(title.rstrip("…"))
    assert console_errors(page) == []


def test_the_header_is_one_row_on_a_phone_stays_on_top_and_opens_the_menus(demo_server, page_at):
    from playwright.sync_api import expect

    page = page_at("phone")
    login(page, demo_server.url, "supervisor1", PASSWORD)
    page.goto(f"{demo_server.url}/")
    header = page.locator("header.topbar")
    box = header.bounding_box()
    assert box["height"] < 64, box  # brand, menu button, bell and user menu on one row
    for part in (".brand", ".menu-toggle", ".bell", ".who-toggle"):
        expect(header.locator(part)).to_be_visible()
    expect(page.locator("#main-nav")).to_be_hidden()

    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    assert page.evaluate("() => window.scrollY") > 200
    assert header.bounding_box()["y"] == 0
    expect(header.locator(".menu-toggle")).to_be_in_viewport()

    header.locator(".menu-toggle").tap()
    expect(page.locator("#main-nav")).to_be_visible()
    expect(page.locator("#main-nav")).to_contain_text("整改")
    # The groups are headings over their entries, all shown.
    expect(page.locator("#main-nav .nav-group summary").first).to_be_visible()
    expect(page.locator("#main-nav .nav-menu a").first).to_be_visible()
    screenshot(page, "workbench-phone-menu-open", full_page=False)
    header.locator(".menu-toggle").tap()
    expect(page.locator("#main-nav")).to_be_hidden()

    header.locator(".who-toggle").tap()
    expect(page.locator(".who-panel")).to_be_visible()
    expect(page.locator(".who-panel")).to_contain_text("退出")
    screenshot(page, "workbench-phone-user-menu", full_page=False)
    assert console_errors(page) == []


def test_every_link_of_every_demo_roles_bar_opens(demo_server, page_at):
    # A browser of its own per person, as on their own computers: the pages one person's browser
    # keeps (the service worker fetches them in the background) never mix with the next person's.
    for username in DEMO_USERS:
        page = page_at("desktop")
        login(page, demo_server.url, username, PASSWORD)
        page.goto(f"{demo_server.url}/")
        hrefs = page.locator("#main-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert hrefs and hrefs[0] == "/", username
        for href in hrefs:
            response = page.request.get(f"{demo_server.url}{href}")
            assert response.status == 200, f"{username}: {href} answers {response.status}"
        if username in ("supervisor1", "store01", "gm", "admin"):
            screenshot(page, f"workbench-{username}-desktop")
        assert console_errors(page) == [], username


def test_on_a_laptop_the_bar_is_one_row_and_a_group_opens_as_a_dropdown(demo_server, page_at):
    from playwright.sync_api import expect

    for username in ("admin", "ops"):
        page = page_at("desktop")
        login(page, demo_server.url, username, PASSWORD)
        page.goto(f"{demo_server.url}/")
        header = page.locator("header.topbar")
        assert header.bounding_box()["height"] < 64, username  # everything, bell and name included, on one row
        for part in (".brand", ".bell", ".who-toggle", "#main-nav"):
            expect(header.locator(part)).to_be_visible()
        expect(page.locator("#main-nav .nav-menu").first).to_be_hidden()

        group = page.locator("#main-nav .nav-group", has_text="设置")
        group.locator("summary").click()
        expect(group.locator(".nav-menu")).to_be_visible()
        expect(group.get_by_role("link", name="组织架构")).to_be_visible()
        assert header.bounding_box()["height"] < 64, username  # the menu drops over the page
        screenshot(page, f"workbench-{username}-desktop-group-open", full_page=False)
        # Opening another group closes the first; a click elsewhere closes it too.
        other = page.locator("#main-nav .nav-group", has_text="人事绩效")
        other.locator("summary").click()
        expect(other.locator(".nav-menu")).to_be_visible()
        expect(group.locator(".nav-menu")).to_be_hidden()
        page.locator("main").click(position={"x": 5, "y": 5})
        expect(other.locator(".nav-menu")).to_be_hidden()

        group.locator("summary").click()
        group.get_by_role("link", name="组织架构").click()
        page.wait_for_url(re.compile(r"/org/"))
        expect(page.locator("#main-nav .nav-group", has_text="设置").locator("summary")).to_have_class("active")
        expect(page.locator("#main-nav a[aria-current=page]")).to_have_count(1)
        assert console_errors(page) == [], username
