"""The JSON API v1: health, bearer tokens (issue, throttle, expiry, revocation) and no cookie authentication."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from audit_app.agencies import operations
from audit_app.agencies.models.users import LoginAttempt
from audit_app.core.permissions import Role
from tests.api.support import Api, error_body
from tests.conftest import TEST_PASSWORD

START = datetime.fromisoformat("2026-03-01T09:00:00+00:00")


# --- Health and tokens ---------------------------------------------------------------------------------------------
def test_health(api):
    response = api(None).get("/api/v1/health")

    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_a_token_is_issued_for_a_correct_password(app, db, make_user, freeze_now):
    freeze_now(START)
    user = make_user(Role.SCRUTINEER)
    db.session.commit()

    response = Api(app).post("/api/v1/auth/token", {"email": user.email.upper(), "password": TEST_PASSWORD})

    assert response.status_code == 201
    assert len(response.json["token"]) >= 40
    assert datetime.fromisoformat(response.json["expires_at"]) == START + app.config["API_TOKEN_LIFETIME"]
    me = Api(app)
    me.headers = {"Authorization": f"Bearer {response.json['token']}"}
    assert me.get("/api/v1/me").json["email"] == user.email


def test_a_wrong_password_gets_401_with_the_error_body(api, db):
    client = api(None)
    user = api(Role.ADMIN).user

    wrong = client.post("/api/v1/auth/token", {"email": user.email, "password": "not it at all"})
    unknown = client.post("/api/v1/auth/token", {"email": "nobody@example.org", "password": "not it at all"})

    assert error_body(wrong, 401, "unauthorized") == error_body(unknown, 401, "unauthorized")
    assert db.session.scalar(select(LoginAttempt.succeeded).where(LoginAttempt.email == "nobody@example.org")) is False


def test_token_requests_are_throttled_like_sign_in(app, api):
    client = api(None)
    user = api(Role.ADMIN).user
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        error_body(
            client.post("/api/v1/auth/token", {"email": user.email, "password": "wrong guess"}), 401, "unauthorized"
        )

    throttled = client.post("/api/v1/auth/token", {"email": user.email, "password": TEST_PASSWORD})

    assert "Too many failed sign-in attempts" in error_body(throttled, 429, "too_many_requests")["message"]


def test_a_user_who_must_change_their_password_gets_no_token(api, make_user, app, db):
    user = make_user(Role.ADMIN, must_change_password=True)
    db.session.commit()

    response = Api(app).post("/api/v1/auth/token", {"email": user.email, "password": TEST_PASSWORD})

    assert "choose a new password" in error_body(response, 403, "forbidden")["message"]


def test_a_deactivated_users_token_stops_working(api, db):
    client = api(Role.AGENCY_AUDITOR)
    assert client.get("/api/v1/me").status_code == 200

    db.session.expire_all()  # signing in through the API changed the user row
    operations.set_user_active(client.user, False)
    db.session.commit()

    error_body(client.get("/api/v1/me"), 401, "unauthorized")


def test_deleting_the_token_revokes_it(api):
    client = api(Role.BOARD_VIEWER)

    assert client.delete("/api/v1/auth/token").status_code == 204

    error_body(client.get("/api/v1/me"), 401, "unauthorized")
    error_body(client.delete("/api/v1/auth/token"), 401, "unauthorized")


def test_an_expired_token_gets_401(app, api, freeze_now):
    freeze_now(START)
    client = api(Role.SCRUTINEER)
    lifetime = app.config["API_TOKEN_LIFETIME"]

    freeze_now(START + lifetime - timedelta(seconds=1))
    assert client.get("/api/v1/me").status_code == 200
    freeze_now(START + lifetime)

    error_body(client.get("/api/v1/me"), 401, "unauthorized")


@pytest.mark.parametrize("header", ["Bearer", "Bearer not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 300])
def test_bad_authorization_headers_get_401(api, header):
    client = api(None)
    client.headers = {"Authorization": header}

    error_body(client.get("/api/v1/agencies"), 401, "unauthorized")


def test_a_signed_in_web_session_is_not_enough_for_the_api(login_as):
    web = login_as(Role.ADMIN)
    assert web.get("/").status_code == 200

    error_body(web.get("/api/v1/me"), 401, "unauthorized")
    error_body(web.client.post("/api/v1/agencies", json={"name": "Sneaky", "kind": "police"}), 401, "unauthorized")
