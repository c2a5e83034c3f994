"""The administrator's journeys in a real browser: the agency list, adding an agency, and the user form."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _submit(page, button):
    """Click a form's submit button; :return: the status of the POST's response."""
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name=button).click()
    page.wait_for_load_state("load")
    return posted.value.status


def _expect_error_summary(page, messages):
    """The GOV.UK error summary: focused, listing ``messages`` in order, each linking to its field."""
    expect(page).to_have_title(f"Error: {page.title().removeprefix('Error: ')}")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(messages)
    for link in summary.get_by_role("link").all():
        field_id = link.get_attribute("href").removeprefix("#")
        expect(page.locator(f"#{field_id}-error")).to_be_visible()
    return summary


def test_agency_list(signed_in_admin, check_page, agency_names):
    """The agency list, reached from the service navigation, shows the partnership's agencies."""
    page = signed_in_admin
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Agencies").click()

    page.wait_for_url("/admin/agencies")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agencies")
    for name in agency_names:
        expect(page.get_by_role("rowheader", name=name)).to_be_visible()
    check_page()


def test_add_an_agency(signed_in_admin, check_page):
    """An empty form shows the error summary (and passes axe); a completed one adds the agency to the list."""
    page = signed_in_admin
    page.goto("/admin/agencies")
    check_page()
    page.get_by_role("button", name="Add an agency").click()  # a link styled as a button: role "button"
    page.wait_for_url("/admin/agencies/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an agency")
    check_page()

    page.get_by_label("Name", exact=True).fill("")
    assert _submit(page, "Save agency") == 400
    summary = _expect_error_summary(page, ["Enter the agency's name", "Select what kind of agency it is"])
    check_page()

    summary.get_by_role("link", name="Enter the agency's name").click()
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    page.keyboard.type("Northshire Youth Justice Service")
    page.get_by_label("Kind of agency").select_option(label="Youth justice service")
    page.get_by_role("group", name="Statutory safeguarding duty").get_by_label("Section 11 (Children Act 2004)").check()
    page.get_by_label("Safeguarding contact email (optional)").fill("yjs.safeguarding@example.org")
    assert _submit(page, "Save agency") == 302

    page.wait_for_url("/admin/agencies")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Northshire Youth Justice Service has been added."
    )
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Northshire Youth Justice Service"))
    expect(row.get_by_role("cell")).to_have_text(["Youth justice service", "S11", "0", "Active"])
    check_page()


def test_user_form_errors(signed_in_admin, check_page):
    """The user form and its error state (an empty form) pass axe."""
    page = signed_in_admin
    page.goto("/admin/users/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a user")
    check_page()

    assert _submit(page, "Save user") == 400
    _expect_error_summary(
        page, ["Enter the user's full name", "Enter the user's email address", "Select the user's role"]
    )
    check_page()
