"""The demo as a person sees it: sign in through the form and open the organisation tree."""

import pytest

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

DEMO_ADMIN = ("admin", "Dudao-demo-2026")


@pytest.fixture(scope="module")
def company_name(demo_server):
    return demo_server.shell(
        "from dudao.org.models import Person, Unit\n"
        "admin = Person.objects.get(username='admin')\n"
        "print(Unit.objects.get(organization=admin.organization, parent=None).name)"
    )


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_demo_admin_sees_the_company_in_the_org_tree(demo_server, page_at, company_name, size):
    from playwright.sync_api import expect

    page = page_at(size)
    login(page, demo_server.url, *DEMO_ADMIN)

    page.goto(f"{demo_server.url}/org/")

    expect(page.locator("#org-tree")).to_contain_text(company_name)
    # The company's children arrive through htmx (scripts under the CSP): one of them must show up.
    expect(page.locator("#org-tree > li > details > ul a").first).to_be_visible()
    screenshot(page, f"org-tree-{size}")
    assert console_errors(page) == []
