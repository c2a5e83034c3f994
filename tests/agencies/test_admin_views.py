"""Administration pages: agencies and users, their validation and conflicts, the audit trail and the outbox."""

import html
import re

import pytest
from sqlalchemy import select

from audit_app.agencies.models.agencies import Agency, AgencyKind, StatutoryDuty
from audit_app.agencies.models.users import User
from audit_app.core.permissions import Role
from tests.factories import AgencyFactory, UserFactory


def _text(response):
    return html.unescape(response.get_data(as_text=True))


def _summary_links(page):
    """The (href, text) pairs of the GOV.UK error summary."""
    start = page.index('class="govuk-error-summary"')
    summary = page[start : page.index("</ul>", start)]
    return re.findall(r'<a href="(#[^"]+)">([^<]+)</a>', summary)


def _agency_form(**overrides):
    return {
        "name": "Ashby Road Primary School",
        "kind": "school",
        "duty": "s175",
        "contact_email": "",
        "notes": "",
        "is_active": "y",
        **overrides,
    }


def _stored_agency(db, agency_id):
    db.session.expire_all()
    return db.session.get(Agency, agency_id)


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN)


# --- Agencies --------------------------------------------------------------------------------------------------------
def test_the_agency_list_shows_agencies_with_their_active_users(db, admin):
    agency = AgencyFactory(name="Wyvern Park Academy", kind=AgencyKind.SCHOOL, duty=StatutoryDuty.S175)
    UserFactory.create_batch(2, role=Role.AGENCY_AUDITOR, agency=agency)
    UserFactory(role=Role.AGENCY_LEAD, agency=agency, is_active=False)
    db.session.commit()

    page = _text(admin.get("/admin/agencies"))

    row = re.search(r"Wyvern Park Academy<span.*?</tr>", page, re.S).group(0)
    assert "School" in row and "S175" in row and "Active" in row
    assert re.search(r'numeric">2</td>', row)
    assert "Wyvern Park Academy" in _text(admin.get("/admin/agencies?q=park aca"))
    assert "Wyvern Park Academy" not in _text(admin.get("/admin/agencies?q=police"))


def test_adding_an_agency(db, admin):
    assert admin.get("/admin/agencies/new").status_code == 200

    response = admin.post("/admin/agencies/new", _agency_form(contact_email=" DSL@Ashby.example "))

    assert response.status_code == 302 and response.headers["Location"] == "/admin/agencies"
    agency = db.session.scalar(select(Agency).where(Agency.name == "Ashby Road Primary School"))
    assert (agency.kind, agency.duty, agency.contact_email) == (
        AgencyKind.SCHOOL,
        StatutoryDuty.S175,
        "dsl@ashby.example",
    )
    assert "Ashby Road Primary School has been added." in _text(admin.get("/admin/agencies"))


def test_a_blank_agency_form_lists_each_problem_linked_to_its_field(db, admin):
    response = admin.post("/admin/agencies/new", _agency_form(name="", kind="", contact_email="not an address"))

    assert response.status_code == 400
    page = _text(response)
    assert "There is a problem" in page
    assert dict(_summary_links(page)) == {
        "#name": "Enter the agency's name",
        "#kind": "Select what kind of agency it is",
        "#contact_email": "Enter an email address in the correct format",
    }
    assert db.session.scalar(select(Agency.id)) is None


def test_a_duplicate_agency_name_is_shown_against_the_name_field(db, admin):
    AgencyFactory(name="Northmoor Police")
    db.session.commit()

    response = admin.post("/admin/agencies/new", _agency_form(name="northmoor POLICE", kind="police"))

    assert response.status_code == 400
    assert _summary_links(_text(response)) == [("#name", "An agency called northmoor POLICE already exists")]
    assert len(db.session.scalars(select(Agency)).all()) == 1


def test_editing_an_agency(db, admin):
    agency = AgencyFactory(name="Riverside Pre-School", kind=AgencyKind.EARLY_YEARS, duty=StatutoryDuty.NONE)
    db.session.commit()
    page = _text(admin.get(f"/admin/agencies/{agency.id}/edit"))
    assert 'name="version" type="hidden" value="1"' in page and "Riverside Pre-School" in page

    response = admin.post(
        f"/admin/agencies/{agency.id}/edit",
        _agency_form(name="Riverside Preschool", kind="early_years", duty="none", version="1", is_active=""),
    )

    assert response.status_code == 302
    stored = _stored_agency(db, agency.id)
    assert (stored.name, stored.is_active, stored.version) == ("Riverside Preschool", False, 2)
    assert admin.get("/admin/agencies/999999/edit").status_code == 404
    assert admin.get(f"/admin/agencies/{10**20}/edit").status_code == 404  # too large for the column: not a 500


def test_a_stale_agency_edit_shows_a_conflict_and_keeps_the_other_save(db, admin, login_as):
    agency = AgencyFactory(name="Millbrook Surgery", kind=AgencyKind.GP_PRACTICE, duty=StatutoryDuty.S11)
    db.session.commit()
    colleague = login_as(Role.ADMIN)
    edit = f"/admin/agencies/{agency.id}/edit"
    assert 'value="1"' in _text(admin.get(edit))
    saved = colleague.post(
        edit, _agency_form(name="Millbrook Health Centre", kind="gp_practice", duty="s11", version="1")
    )
    assert saved.status_code == 302

    stale = admin.post(
        edit, _agency_form(name="Millbrook Surgery (renamed)", kind="gp_practice", duty="s11", version="1")
    )

    assert stale.status_code == 409
    assert "Someone else changed this agency while you were editing it" in _text(stale)
    assert _stored_agency(db, agency.id).name == "Millbrook Health Centre"


# --- Users -----------------------------------------------------------------------------------------------------------
def test_adding_a_user_sends_an_invitation(db, admin, mailbox):
    agency = AgencyFactory(name="Fernhill Secondary School")
    db.session.commit()
    assert "Fernhill Secondary School" in _text(admin.get("/admin/users/new"))

    response = admin.post(
        "/admin/users/new",
        {
            "name": "Quinn Lowther",
            "email": "Quinn.Lowther@Fernhill.example",
            "role": "agency_auditor",
            "agency_id": str(agency.id),
            "send_invite": "y",
        },
    )

    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    user = db.session.scalar(select(User).where(User.email == "quinn.lowther@fernhill.example"))
    assert (user.role, user.agency_id, user.password_hash) == (Role.AGENCY_AUDITOR, agency.id, None)
    [message] = mailbox.messages
    assert message["to"] == ["quinn.lowther@fernhill.example"]
    assert "/set-password/" in message["body"] and admin.user.name in message["body"]
    listing = _text(admin.get("/admin/users"))
    assert "Quinn Lowther has been added and invited by email." in listing and "Fernhill Secondary School" in listing


def test_adding_a_user_without_an_invitation_sends_nothing(db, admin, mailbox):
    response = admin.post(
        "/admin/users/new",
        {"name": "Sidney Stainton", "email": "sidney@example.org", "role": "scrutineer", "agency_id": ""},
    )

    assert response.status_code == 302
    assert db.session.scalar(select(User).where(User.email == "sidney@example.org")).agency_id is None
    assert mailbox.messages == []


def test_an_agency_role_without_an_agency_is_shown_against_the_agency_field(db, admin, mailbox):
    UserFactory(email="taken@example.org")
    db.session.commit()

    response = admin.post(
        "/admin/users/new",
        {
            "name": "Drew Dunmore",
            "email": "TAKEN@example.org",
            "role": "agency_lead",
            "agency_id": "",
            "send_invite": "y",
        },
    )

    assert response.status_code == 400
    assert dict(_summary_links(_text(response))) == {
        "#email": "A user with this e-mail address already exists",
        "#agency_id": "Select the agency this user audits for",
    }
    assert mailbox.messages == []


def test_deactivating_and_reactivating_a_user(db, admin):
    user = UserFactory(name="Casey Corrigan", role=Role.SCRUTINEER)
    db.session.commit()
    assert "Deactivate user" in _text(admin.get(f"/admin/users/{user.id}/edit"))

    off = admin.post(f"/admin/users/{user.id}/deactivate")
    page = _text(admin.get(off.headers["Location"]))
    assert "Casey Corrigan has been deactivated." in page and "This user is deactivated" in page
    db.session.expire_all()
    assert db.session.get(User, user.id).is_active is False

    admin.post(f"/admin/users/{user.id}/reactivate")
    db.session.expire_all()
    assert db.session.get(User, user.id).is_active is True
    assert admin.post(f"/admin/users/{user.id}/deactivate", csrf=False).status_code == 400
    assert admin.post(f"/admin/users/{10**20}/deactivate").status_code == 404


def test_a_new_invitation_replaces_the_old_link(db, admin, mailbox, client):
    user = UserFactory(name="Rowan Rushworth", role=Role.SCRUTINEER, password_hash=None)
    db.session.commit()

    for _ in range(2):
        response = admin.post(f"/admin/users/{user.id}/invite")
        assert response.status_code == 302
    older, newer = (re.search(r"/set-password/[\w-]+", m["body"]).group(0) for m in mailbox.messages)

    assert f"A new invitation has been sent to {user.email}." in _text(admin.get(response.headers["Location"]))
    assert client.get(older).status_code == 404 and client.get(newer).status_code == 200


def test_an_admin_cannot_deactivate_themselves(db, admin):
    response = admin.post(f"/admin/users/{admin.user.id}/deactivate")

    assert "You cannot deactivate your own account." in _text(admin.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(User, admin.user.id).is_active is True
    assert admin.get("/admin/users").status_code == 200


def test_editing_a_users_role(db, admin):
    user = UserFactory(name="Parker Pennock", role=Role.BOARD_VIEWER)
    db.session.commit()

    response = admin.post(
        f"/admin/users/{user.id}/edit",
        {"name": "Parker Pennock", "email": user.email, "role": "scrutineer", "agency_id": "", "version": "1"},
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).role == Role.SCRUTINEER


# --- Oversight -------------------------------------------------------------------------------------------------------
def test_the_audit_trail_lists_changes_with_who_made_them(db, admin):
    admin.post("/admin/agencies/new", _agency_form(name="Brookside Special School"))

    page = _text(admin.get("/admin/audit-trail?action=agencies"))

    assert "agencies.create" in page and admin.user.email in page
    assert "\nname:  → Brookside Special School\n" in page  # one change a line
    assert "auth.login" not in page
    assert "auth.login" in _text(admin.get("/admin/audit-trail"))
    assert "0 events" in _text(admin.get(f"/admin/audit-trail?object_id={10**20}"))


def test_the_outbox_lists_the_invitation(db, admin, mailbox):
    admin.post(
        "/admin/users/new",
        {
            "name": "Emery Eversleigh",
            "email": "emery@example.org",
            "role": "board_viewer",
            "agency_id": "",
            "send_invite": "y",
        },
    )

    page = _text(admin.get("/admin/outbox"))

    assert "emery@example.org" in page and "You have been invited to Assure" in page
    assert "Sent" in page
    assert len(mailbox.messages) == 1
