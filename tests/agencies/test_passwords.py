"""Invitations, password resets and password changes: single-use, short-lived links delivered over real SMTP."""

import re
from datetime import datetime, timedelta

import pytest

from audit_app.agencies import operations
from audit_app.agencies.models.users import User
from audit_app.agencies.passwords import verify_password
from audit_app.core.errors import DomainError, ValidationError
from audit_app.core.mail import deliver_outbox
from audit_app.core.permissions import Role
from tests.conftest import TEST_PASSWORD
from tests.factories import UserFactory

NEW_PASSWORD = "amber kestrel over the weir"
LINK = re.compile(r"http://localhost/set-password/([A-Za-z0-9_-]+)")
START = datetime.fromisoformat("2026-03-01T09:00:00+00:00")


def _token(message):
    match = LINK.search(message["body"])
    assert match, message["body"]
    return match.group(1)


def _invite(db, mailbox, user):
    operations.invite_user(user)
    deliver_outbox(db.session)
    return _token(mailbox.messages[-1])


def _fresh(db, user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def _set_password(client, token, password=NEW_PASSWORD, confirm=None):
    return client.post(f"/set-password/{token}", {"password": password, "confirm": confirm or password})


# --- Invitations ----------------------------------------------------------------------------------------------------
def test_an_invitation_is_mailed_with_a_set_password_link(app_ctx, db, mailbox):
    user = UserFactory(email="invitee@example.org", name="Ivy Invitee", role=Role.SCRUTINEER, password_hash=None)
    admin = UserFactory(name="Bea Admin")

    operations.invite_user(user, invited_by=admin)
    counts = deliver_outbox(db.session)

    assert counts["sent"] == 1
    [message] = mailbox.messages
    assert message["to"] == ["invitee@example.org"]
    assert message["subject"].startswith("You have been invited to Assure")
    assert "Hello Ivy Invitee" in message["body"] and "Bea Admin has given you an account" in message["body"]
    assert "within 72 hours" in message["body"]
    assert operations.find_valid_link(_token(message)).user_id == user.id


def test_an_invitation_link_works_once(app_ctx, db, mailbox, client):
    user = UserFactory(password_hash=None)
    token = _invite(db, mailbox, user)

    page = client.get(f"/set-password/{token}")
    assert page.status_code == 200 and user.email in page.get_data(as_text=True)
    first = _set_password(client, token)
    second = _set_password(client, token, "another fine password here")

    assert first.status_code == 302 and first.headers["Location"].startswith("/sign-in")
    assert second.status_code == 404
    assert "This link has expired or has already been used" in second.get_data(as_text=True)
    assert client.get(f"/set-password/{token}").status_code == 404
    assert verify_password(_fresh(db, user).password_hash, NEW_PASSWORD)
    signed_in = client.post("/sign-in", {"email": user.email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302


def test_a_weak_password_is_refused_and_the_link_still_works(app_ctx, db, mailbox, client):
    user = UserFactory(password_hash=None)
    token = _invite(db, mailbox, user)

    weak = _set_password(client, token, "password1234")
    mismatch = _set_password(client, token, NEW_PASSWORD, confirm="something different entirely")

    assert weak.status_code == 400 and "too common" in weak.get_data(as_text=True)
    assert "govuk-error-summary" in weak.get_data(as_text=True)
    assert mismatch.status_code == 400 and "Passwords do not match" in mismatch.get_data(as_text=True)
    assert _fresh(db, user).password_hash is None
    assert _set_password(client, token).status_code == 302


def test_an_invitation_expires_after_the_invite_lifetime(app, app_ctx, db, mailbox, client, freeze_now):
    lifetime = app.config["INVITE_LIFETIME"]
    freeze_now(START)
    user = UserFactory(password_hash=None)
    token = _invite(db, mailbox, user)

    freeze_now(START + lifetime - timedelta(minutes=1))
    assert client.get(f"/set-password/{token}").status_code == 200
    freeze_now(START + lifetime + timedelta(seconds=1))

    assert client.get(f"/set-password/{token}").status_code == 404
    assert _set_password(client, token).status_code == 404
    assert _fresh(db, user).password_hash is None


def test_a_newer_invitation_invalidates_the_older_one(app_ctx, db, mailbox, client):
    user = UserFactory(password_hash=None)
    older = _invite(db, mailbox, user)
    newer = _invite(db, mailbox, user)

    assert older != newer
    assert _set_password(client, older).status_code == 404
    assert _set_password(client, newer).status_code == 302


def test_a_deactivated_users_link_does_not_work(app_ctx, db, mailbox, client):
    user = UserFactory(password_hash=None)
    token = _invite(db, mailbox, user)
    operations.set_user_active(user, False)
    db.session.commit()

    assert _set_password(client, token).status_code == 404
    with pytest.raises(DomainError, match="expired or has already been used"):
        operations.set_password_with_link(token, NEW_PASSWORD)


# --- Password reset ----------------------------------------------------------------------------------------------
def _forgot(client, email):
    response = client.post("/forgotten-password", {"email": email})
    assert response.status_code == 200
    return response.get_data(as_text=True).replace(email, "EMAIL")


def test_reset_for_a_known_email_sends_a_link_that_sets_the_password(app_ctx, db, mailbox, client):
    user = UserFactory(email="known@example.org")
    db.session.commit()

    _forgot(client, "  KNOWN@example.org ")

    [message] = mailbox.messages
    assert message["to"] == ["known@example.org"] and message["subject"] == "Reset your Assure password"
    assert "within 60 minutes" in message["body"]
    assert _set_password(client, _token(message)).status_code == 302
    assert verify_password(_fresh(db, user).password_hash, NEW_PASSWORD)


def test_reset_for_unknown_or_inactive_emails_sends_nothing_and_says_the_same(app_ctx, db, mailbox, client):
    UserFactory(email="known@example.org")
    UserFactory(email="gone@example.org", is_active=False)
    db.session.commit()

    known = _forgot(client, "known@example.org")
    assert len(mailbox.messages) == 1
    unknown = _forgot(client, "nobody@example.org")
    inactive = _forgot(client, "gone@example.org")

    assert len(mailbox.messages) == 1
    assert "If EMAIL has an Assure account" in known
    assert known == unknown == inactive


def test_a_reset_link_lasts_for_the_reset_lifetime(app, app_ctx, db, mailbox, client, freeze_now):
    lifetime = app.config["RESET_LIFETIME"]
    freeze_now(START)
    user = UserFactory()
    operations.request_password_reset(user.email)
    deliver_outbox(db.session)
    token = _token(mailbox.messages[-1])

    freeze_now(START + lifetime - timedelta(minutes=1))
    assert client.get(f"/set-password/{token}").status_code == 200
    freeze_now(START + lifetime + timedelta(seconds=1))

    assert client.get(f"/set-password/{token}").status_code == 404
    assert verify_password(_fresh(db, user).password_hash, TEST_PASSWORD)


def test_a_reset_ends_the_users_existing_sessions(app_ctx, db, mailbox, login_as, client):
    web = login_as(Role.SCRUTINEER)
    operations.request_password_reset(web.user.email)
    deliver_outbox(db.session)

    assert _set_password(client, _token(mailbox.messages[-1])).status_code == 302

    assert web.get("/").headers["Location"].startswith("/sign-in")


# --- Changing a password ---------------------------------------------------------------------------------------------
def test_change_password_requires_the_current_password(app_ctx, db):
    user = UserFactory()

    with pytest.raises(ValidationError) as wrong:
        operations.change_password(user, "not my password at all", NEW_PASSWORD)
    with pytest.raises(ValidationError) as same:
        operations.change_password(user, TEST_PASSWORD, TEST_PASSWORD)

    assert wrong.value.details == {"current_password": "Current password is wrong"}
    assert "must be different" in same.value.details["password"]
    assert verify_password(user.password_hash, TEST_PASSWORD)


def test_changing_the_password_on_the_web_ends_other_sessions_but_not_this_one(app_ctx, db, login_as):
    here = login_as(Role.AGENCY_AUDITOR)
    elsewhere = login_as(user=here.user)
    assert elsewhere.get("/").status_code == 200

    wrong = here.post(
        "/account/password", {"current_password": "wrong", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert wrong.status_code == 400 and "Current password is wrong" in wrong.get_data(as_text=True)
    assert elsewhere.get("/").status_code == 200

    changed = here.post(
        "/account/password", {"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )

    assert changed.status_code == 302 and changed.headers["Location"] == "/"
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").headers["Location"].startswith("/sign-in")
    assert verify_password(_fresh(db, here.user).password_hash, NEW_PASSWORD)
