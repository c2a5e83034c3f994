"""Signing in and out in a real browser: the sign-in page and its error state, the keyboard, and the sign-out button."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_sign_in_page_is_accessible(page, check_page):
    """The sign-in page passes axe and has the fields a password manager expects."""
    response = page.goto("/sign-in")
    assert response.status == 200
    expect(page).to_have_title("Sign in – Assure")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Assure")
    expect(page.get_by_label("Email address")).to_have_attribute("autocomplete", "username")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("autocomplete", "current-password")
    check_page()


def test_wrong_password_shows_the_error_summary(page, check_page, admin):
    """A wrong password: an error summary, focused, whose link moves focus to the field; the error state passes axe."""
    page.goto("/sign-in")
    check_page()
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password", exact=True).fill("not the right password at all")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/sign-in")) as posted:
        page.get_by_role("button", name="Sign in").click()
    assert posted.value.status == 401

    expect(page).to_have_title("Error: Sign in – Assure")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary).to_be_focused()  # GOV.UK Frontend's ErrorSummary takes focus on load
    error_link = summary.get_by_role("link", name="Enter a correct email address and password")
    expect(error_link).to_have_attribute("href", "#email")
    expect(page.locator("#email-error")).to_contain_text("Enter a correct email address and password")
    expect(page.get_by_label("Email address")).to_have_value(admin.email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")  # a password is never sent back
    check_page()

    error_link.click()
    expect(page.get_by_label("Email address")).to_be_focused()
    page.get_by_role("link", name="I have forgotten my password").click()
    page.wait_for_url("/forgotten-password")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page()


def _tab_to(page, selector, limit=15):
    """Press Tab until the element matching ``selector`` has focus (as a keyboard user would)."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("(el) => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} was not reached with {limit} presses of Tab")


def test_sign_in_with_the_keyboard_only(page, check_page, admin):
    """The administrator signs in with Tab, typing and Enter, and lands on the home page."""
    page.goto("/sign-in")
    check_page()
    _tab_to(page, "#email")
    page.keyboard.type(admin.email)
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(admin.password)
    page.keyboard.press("Enter")

    page.wait_for_url("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {admin.name}")
    expect(page.locator(".app-header__user")).to_contain_text(admin.name)
    check_page()


def test_sign_out_from_the_header(signed_in_admin, check_page):
    """The header's sign-out button ends the session and shows the signed-out page."""
    page = signed_in_admin
    page.locator(".app-header").get_by_role("button", name="Sign out").click()

    page.wait_for_url("/signed-out")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    expect(page.locator(".app-header").get_by_role("button", name="Sign out")).to_have_count(0)
    check_page()

    page.goto("/admin/agencies")  # the old session no longer works
    page.wait_for_url("**/sign-in?next=*")
    check_page()
