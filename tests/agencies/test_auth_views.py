"""Signing in and out through the web: same answer for unknown users, throttling, sessions and their timeouts."""

import html
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from audit_app.agencies.models.users import LoginAttempt
from audit_app.core.models.audit import AuditEvent
from audit_app.core.permissions import Role
from tests.conftest import TEST_PASSWORD, WebClient

START = datetime.fromisoformat("2026-03-01T09:00:00+00:00")
WRONG = "not the right password"


def _sign_in(client, email, password=TEST_PASSWORD, addr="127.0.0.1", next_url=None):
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"email": email, "password": password}, environ_base={"REMOTE_ADDR": addr})


def _text(response):
    return html.unescape(response.get_data(as_text=True))


def _sent_to_sign_in(response):
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_signing_in_redirects_home_and_records_the_attempt(db, client, make_user):
    user = make_user(Role.SCRUTINEER)
    db.session.commit()

    response = _sign_in(client, user.email.upper())

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert user.name in _text(client.get("/"))
    attempt = db.session.scalar(select(LoginAttempt).where(LoginAttempt.email == user.email))
    assert attempt.succeeded is True
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login")).actor_id == user.id


def test_a_wrong_password_and_an_unknown_user_get_the_same_401_answer(db, client, make_user):
    user = make_user(Role.ADMIN)
    db.session.commit()

    wrong = _sign_in(client, user.email, WRONG)
    unknown = _sign_in(client, "nobody@example.org", WRONG)

    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        assert "Enter a correct email address and password" in _text(response)
    assert _text(wrong).replace(user.email, "X") == _text(unknown).replace("nobody@example.org", "X")


def test_a_failed_sign_in_writes_a_login_attempt_and_an_audit_event(db, client):
    _sign_in(client, "Nobody@Example.org", WRONG, addr="10.9.8.7")

    attempt = db.session.scalar(select(LoginAttempt).where(LoginAttempt.email == "nobody@example.org"))
    assert (attempt.succeeded, attempt.remote_addr) == (False, "10.9.8.7")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login_failed"))
    assert event.outcome == "failure" and "nobody@example.org" in event.summary
    assert event.remote_addr == "10.9.8.7"


def test_an_account_is_throttled_after_too_many_failures_and_recovers(app, db, client, make_user, freeze_now):
    freeze_now(START)
    user = make_user(Role.ADMIN)
    db.session.commit()
    limit, window = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], app.config["LOGIN_WINDOW"]
    for _ in range(limit):
        assert _sign_in(client, user.email, WRONG).status_code == 401

    throttled = _sign_in(client, user.email)  # the right password, still refused
    assert throttled.status_code == 429
    assert "Too many failed sign-in attempts. Wait 15 minutes, then try again." in _text(throttled)
    assert _sign_in(client, user.email, addr="10.0.0.99").status_code == 429  # per account, whatever the address
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login_throttled")).outcome == "denied"

    freeze_now(START + window - timedelta(seconds=1))
    assert _sign_in(client, user.email).status_code == 429
    freeze_now(START + window + timedelta(seconds=1))
    assert _sign_in(client, user.email).status_code == 302


def test_an_address_is_throttled_after_too_many_failures_and_recovers(app, db, client, make_user, freeze_now):
    freeze_now(START)
    user = make_user(Role.ADMIN)
    db.session.commit()
    for i in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        assert _sign_in(client, f"guess{i}@example.org", WRONG, addr="10.6.6.6").status_code == 401

    assert _sign_in(client, user.email, addr="10.6.6.6").status_code == 429
    assert _sign_in(WebClient(app.test_client()), user.email, addr="10.7.7.7").status_code == 302

    freeze_now(START + app.config["LOGIN_WINDOW"] + timedelta(seconds=1))
    assert _sign_in(client, user.email, addr="10.6.6.6").status_code == 302
    assert client.get("/").status_code == 200


def test_signing_in_starts_a_new_session(db, client, make_user):
    user = make_user(Role.SCRUTINEER)
    db.session.commit()
    client.csrf_token()  # the sign-in page's session
    with client.session_transaction() as session:
        session["planted"] = "from before sign-in"

    assert _sign_in(client, user.email).status_code == 302

    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:{user.session_version}"


def test_an_idle_session_ends_after_30_minutes(db, login_as, freeze_now):
    freeze_now(START)
    web = login_as(Role.SCRUTINEER)

    freeze_now(START + timedelta(minutes=29))
    assert web.get("/").status_code == 200
    freeze_now(START + timedelta(minutes=29 + 31))
    response = web.get("/")

    assert _sent_to_sign_in(response)
    assert "You were signed out because you had not used Assure" in _text(web.get(response.headers["Location"]))
    assert _sent_to_sign_in(web.get("/"))


def test_a_busy_session_still_ends_after_12_hours(db, login_as, freeze_now):
    freeze_now(START)
    web = login_as(Role.SCRUTINEER)
    for step in range(1, 29):  # every 25 minutes until 11h40: never idle
        freeze_now(START + timedelta(minutes=25 * step))
        assert web.get("/").status_code == 200, step

    freeze_now(START + timedelta(hours=12, minutes=1))

    assert _sent_to_sign_in(web.get("/"))


def test_signing_out_ends_every_session_of_the_user(db, login_as):
    here = login_as(Role.AGENCY_LEAD)
    elsewhere = login_as(user=here.user)
    assert elsewhere.get("/").status_code == 200

    response = here.post("/sign-out")

    assert response.status_code == 302 and response.headers["Location"] == "/signed-out"
    assert _sent_to_sign_in(here.get("/"))
    assert _sent_to_sign_in(elsewhere.get("/"))
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.logout")).actor_id == here.user.id


def test_deactivating_a_user_ends_their_live_session_at_once(db, login_as):
    auditor = login_as(Role.AGENCY_AUDITOR)
    admin = login_as(Role.ADMIN)
    assert auditor.get("/").status_code == 200

    assert admin.post(f"/admin/users/{auditor.user.id}/deactivate").status_code == 302

    assert _sent_to_sign_in(auditor.get("/"))
    assert _sign_in(auditor, auditor.user.email).status_code == 401


def test_a_user_with_a_one_time_password_must_change_it_first(db, login_as, make_user):
    web = login_as(user=make_user(Role.SCRUTINEER, must_change_password=True))

    for url in ("/", "/admin/agencies", "/no-such-page"):
        response = web.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/account/password", url
    assert web.get("/account/password").status_code == 200
    changed = web.post(
        "/account/password",
        {"current_password": TEST_PASSWORD, "password": "brass owl at midnight", "confirm": "brass owl at midnight"},
    )

    assert changed.status_code == 302
    assert web.get("/").status_code == 200


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "/%09/evil.example", "javascript:x()"]
)
def test_sign_in_never_redirects_off_site(db, client, make_user, target):
    user = make_user(Role.SCRUTINEER)
    db.session.commit()

    response = _sign_in(client, user.email, next_url=target)

    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_sign_in_follows_a_same_site_next_path(db, client, make_user):
    user = make_user(Role.ADMIN)
    db.session.commit()

    response = _sign_in(client, user.email, next_url="/admin/users")

    assert response.headers["Location"] == "/admin/users"


def test_sign_in_without_the_csrf_token_is_refused(db, client, make_user):
    user = make_user(Role.ADMIN)
    db.session.commit()

    response = client.post("/sign-in", {"email": user.email, "password": TEST_PASSWORD}, csrf=False)

    assert response.status_code == 400
    assert "security token was missing or had expired" in _text(response)
    assert db.session.scalar(select(LoginAttempt).where(LoginAttempt.email == user.email)) is None


ADMIN_NAV = {"Agencies", "Users", "Audit trail", "Outbox"}
NAV_LINK = re.compile(r'<a class="govuk-service-navigation__link" href="[^"]+"[^>]*>\s*(?:<strong[^>]*>)?([^<]+?)\s*<')


def _nav_labels(page):
    nav = page[page.index('<nav aria-label="Main menu"') : page.index("</nav>")]
    return set(NAV_LINK.findall(nav))


@pytest.mark.parametrize("role", list(Role))
def test_pages_show_the_users_name_and_only_the_navigation_of_their_role(db, login_as, role):
    web = login_as(role)
    pages = ["/", "/account/password"] + (["/admin/agencies", "/admin/users"] if role == Role.ADMIN else [])

    for url in pages:
        page = _text(web.get(url))
        assert f"Signed in as <strong>{web.user.name}</strong>" in page, url
        labels = _nav_labels(page)
        assert "Home" in labels, url
        if role == Role.ADMIN:
            assert labels >= ADMIN_NAV, url
        else:
            assert not ADMIN_NAV & labels, url
    if role != Role.ADMIN:
        assert web.get("/admin/agencies").status_code == 403
