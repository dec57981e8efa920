"""A store manager changes their password from a phone, through the link in the header."""

import pytest

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"
NEW_PASSWORD = "Store-manager-own-77"


def open_user_menu(page):
    """On a phone the header folds the account links into the user menu (name ▾): open it."""
    toggle = page.locator("header .who-toggle")
    if toggle.is_visible() and not page.locator("header .who-panel").is_visible():
        toggle.click()


def change_password(page, base_url, old, new):
    from playwright.sync_api import expect

    open_user_menu(page)
    page.click("header >> text=修改密码")
    expect(page.locator("h1")).to_contain_text("修改密码")
    page.fill("#id_old_password", old)
    page.fill("#id_new_password", new)
    page.fill("#id_new_password2", new)
    page.click("form.stacked button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("密码已修改")


def test_store_manager_changes_their_password_on_a_phone(demo_server, page_at):
    from playwright.sync_api import expect

    phone = page_at("phone")
    login(phone, demo_server.url, "store01", PASSWORD)
    # The header's user menu holds the link at 390 px, and the form fits without sideways scrolling.
    open_user_menu(phone)
    link = phone.locator("header >> text=修改密码")
    expect(link).to_be_visible()
    phone.click("header >> text=修改密码")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "password-change-phone")

    # A wrong current password is named on the form; nothing changes.
    phone.fill("#id_old_password", "not-my-password")
    phone.fill("#id_new_password", NEW_PASSWORD)
    phone.fill("#id_new_password2", NEW_PASSWORD)
    phone.click("form.stacked button[type=submit]")
    expect(phone.locator(".errorlist")).to_contain_text("当前密码不正确")
    screenshot(phone, "password-change-error-phone")

    phone.goto(f"{demo_server.url}/")
    change_password(phone, demo_server.url, PASSWORD, NEW_PASSWORD)
    screenshot(phone, "password-changed-phone")

    # Signed out, the old password no longer works and the new one does.
    open_user_menu(phone)
    phone.click("header >> text=退出")
    phone.fill("#id_username", "store01")
    phone.fill("#id_password", PASSWORD)
    phone.press("#id_password", "Enter")
    expect(phone.locator(".errorlist")).to_be_visible()
    login(phone, demo_server.url, "store01", NEW_PASSWORD)

    # Put the demo password back for the other browser tests sharing this server.
    change_password(phone, demo_server.url, NEW_PASSWORD, PASSWORD)
    # The refused form answers 422 on purpose (Chromium logs that status); nothing else may show.
    assert [e for e in console_errors(phone) if "status of 422" not in e or "/me/password/" not in e] == []
