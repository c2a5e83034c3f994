"""An agency auditor completes and submits a return in a real browser with the keyboard only; axe checks each page."""

import pytest
from playwright.sync_api import expect

from audit_app.agencies import operations as agency_operations
from audit_app.agencies.models.agencies import AgencyKind, StatutoryDuty
from audit_app.core.permissions import Role
from audit_app.cycles.models.assignments import AssignmentStatus
from audit_app.extensions import db
from tests.cycles.builders import build_cycle

pytestmark = pytest.mark.browser

AUDITOR_EMAIL = "sam.auditor@northshire-police.test"
AUDITOR_PASSWORD = "brass lantern over quiet hills"


@pytest.fixture(scope="module")
def open_return(live_server):
    """An open case audit with one case for a police agency, and that agency's auditor; :return: assignment id."""
    with live_server.app.app_context():
        agency = agency_operations.create_agency(name="Northshire Constabulary (returns)", kind=AgencyKind.POLICE,
                                                 duty=StatutoryDuty.S11)  # fmt: skip
        agency_operations.create_user(email=AUDITOR_EMAIL, name="Sam Auditor", role=Role.AGENCY_AUDITOR,
                                      agency_id=agency.id, password=AUDITOR_PASSWORD)  # fmt: skip
        cycle = build_cycle(agencies=[agency], cases=1, template="MINI_CASE", status="open", title="Mini audit")
        db.session.commit()
        assignment_id = cycle.assignments[0].id
        db.session.remove()
    return assignment_id


def tab_to(page, locator, limit=120):
    """Press Tab until ``locator`` has the focus, as a keyboard user would (fails if it is never reached)."""
    handle = locator.element_handle()
    for _ in range(limit):
        if page.evaluate("(el) => document.activeElement === el", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Could not reach {locator} with the Tab key")


def test_auditor_completes_and_submits_a_return_with_the_keyboard(page, check_page, live_server, open_return):
    page.goto("/sign-in")
    check_page()
    tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type(AUDITOR_EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(AUDITOR_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("/")
    check_page()

    tab_to(page, page.get_by_role("navigation", name="Main menu").get_by_role("link", name="My returns"))
    page.keyboard.press("Enter")
    page.wait_for_url("/returns")
    check_page()

    tab_to(page, page.get_by_role("link", name="Mini audit"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"/returns/{open_return}")
    expect(page.get_by_text("required answers still to give before you can submit")).to_be_visible()
    check_page()

    tab_to(page, page.get_by_role("button", name="Continue the return"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"/returns/{open_return}/edit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Main")
    check_page()

    seen_yes = page.get_by_role("group", name="Was the child seen?").get_by_label("Yes")
    tab_to(page, seen_yes)
    page.keyboard.press("Space")
    expect(seen_yes).to_be_checked()
    how = page.get_by_label("How was the child seen?")
    expect(how).to_be_visible()  # shown by its condition once 'Yes' is chosen
    tab_to(page, how)
    page.keyboard.type("Home visit with the social worker")
    crime = page.get_by_role("group", name="Was a crime recorded?")
    tab_to(page, crime.get_by_label("Yes"))
    page.keyboard.press("ArrowDown")  # arrow keys move the choice within a radio group
    expect(crime.get_by_label("No")).to_be_checked()
    check_page()

    tab_to(page, page.get_by_role("button", name="Save and check answers"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"/returns/{open_return}")
    expect(page.get_by_text("Home visit with the social worker")).to_be_visible()
    expect(page.get_by_text("required answers still to give")).to_have_count(0)
    check_page()

    tab_to(page, page.get_by_role("button", name="Submit return"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Return submitted")).to_be_visible()
    check_page()

    with live_server.app.app_context():
        from audit_app.cycles.queries import get_assignment

        assignment = get_assignment(open_return)
        assert assignment.status == AssignmentStatus.SUBMITTED
        assert {a.question.code: a.value for a in assignment.answers} == {
            "SEEN": "yes", "SEEN_HOW": "Home visit with the social worker", "CRIME": "no"}  # fmt: skip
        db.session.remove()
