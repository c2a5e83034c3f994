"""Access control as a matrix: every route x every method x every role (and anonymous) has a declared outcome.

The matrix is checked against the URL map, so a new route without a row fails ``test_every_route_is_declared``.
"""

import pytest
from flask import url_for

from audit_app.agencies.operations import issue_api_token
from audit_app.core.permissions import Role
from tests.factories import AgencyFactory, UserFactory

ROLES = ("anonymous", *(r.value for r in Role))
A, F, L, N, U = "allow", "forbidden", "login", "not_found", "unauthorized"


def every(outcome):
    return dict.fromkeys(ROLES, outcome)


def row(anonymous, admin, agency_auditor, agency_lead, scrutineer, board_viewer):
    return dict(zip(ROLES, (anonymous, admin, agency_auditor, agency_lead, scrutineer, board_viewer), strict=True))


SIGNED_IN = row(L, A, A, A, A, A)
ADMIN_ONLY = row(L, A, F, F, F, F)
API_SIGNED_IN = row(U, A, A, A, A, A)
API_ADMIN_ONLY = row(U, A, F, F, F, F)

#: (endpoint, method) -> role -> expected outcome.
MATRIX = {
    ("static", "GET"): every(A),
    ("web.home", "GET"): SIGNED_IN,
    ("web.healthz", "GET"): every(A),
    ("agencies.login", "GET"): every(A),
    ("agencies.login", "POST"): every(A),
    ("agencies.logout", "POST"): SIGNED_IN,
    ("agencies.signed_out", "GET"): every(A),
    ("agencies.password_forgot", "GET"): every(A),
    ("agencies.password_forgot", "POST"): every(A),
    ("agencies.password_set", "GET"): every(N),  # the sample token is not a valid link
    ("agencies.password_set", "POST"): every(N),
    ("agencies.password_change", "GET"): SIGNED_IN,
    ("agencies.password_change", "POST"): SIGNED_IN,
    ("agencies.agency_list", "GET"): ADMIN_ONLY,
    ("agencies.agency_create", "GET"): ADMIN_ONLY,
    ("agencies.agency_create", "POST"): ADMIN_ONLY,
    ("agencies.agency_edit", "GET"): ADMIN_ONLY,
    ("agencies.agency_edit", "POST"): ADMIN_ONLY,
    ("agencies.agency_import", "GET"): ADMIN_ONLY,
    ("agencies.agency_import", "POST"): ADMIN_ONLY,
    ("agencies.user_list", "GET"): ADMIN_ONLY,
    ("agencies.user_create", "GET"): ADMIN_ONLY,
    ("agencies.user_create", "POST"): ADMIN_ONLY,
    ("agencies.user_edit", "GET"): ADMIN_ONLY,
    ("agencies.user_edit", "POST"): ADMIN_ONLY,
    ("agencies.user_deactivate", "POST"): ADMIN_ONLY,
    ("agencies.user_reactivate", "POST"): ADMIN_ONLY,
    ("agencies.user_invite", "POST"): ADMIN_ONLY,
    ("agencies.audit_trail", "GET"): ADMIN_ONLY,
    ("agencies.outbox", "GET"): ADMIN_ONLY,
    ("api-docs.openapi_json", "GET"): every(A),
    ("api_system.health", "GET"): every(A),
    ("api_auth.Token", "POST"): every(A),
    ("api_auth.Token", "DELETE"): API_SIGNED_IN,
    ("api_users.me", "GET"): API_SIGNED_IN,
    ("api_agencies.Agencies", "GET"): API_SIGNED_IN,
    ("api_agencies.Agencies", "POST"): API_ADMIN_ONLY,
    ("api_agencies.AgencyItem", "GET"): API_SIGNED_IN,
    ("api_agencies.AgencyItem", "PATCH"): API_ADMIN_ONLY,
    ("api_users.Users", "GET"): API_ADMIN_ONLY,
    ("api_users.Users", "POST"): API_ADMIN_ONLY,
    ("api_users.user_item", "GET"): API_ADMIN_ONLY,
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_is_declared(app):
    declared = set(MATRIX)
    actual = {(rule.endpoint, method) for rule, method in _routes(app)}
    assert actual - declared == set(), "routes without a declared access outcome"
    assert declared - actual == set(), "declared routes that no longer exist"


def _sample_args(rule, agency, user):
    values = {"agency_id": agency.id, "user_id": user.id, "token": "not-a-real-token", "filename": "dist/app.css"}
    return {arg: values[arg] for arg in rule.arguments if arg not in (rule.defaults or {})}


def _outcome(response, is_api):
    status = response.status_code
    if status == 302 and "/sign-in" in response.headers.get("Location", ""):
        return L
    return {401: U, 403: F, 404: N}.get(status, A) if is_api or status != 401 else U


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("endpoint", "method"), sorted(MATRIX))
def test_access(app, db, login_as, endpoint, method, role):
    rule = next(r for r, m in _routes(app) if r.endpoint == endpoint and m == method)
    agency, other = AgencyFactory(), UserFactory(role=Role.BOARD_VIEWER)
    is_api = rule.rule.startswith("/api/")
    client = login_as(role) if role != "anonymous" and not is_api else None
    with app.test_request_context():
        url = url_for(endpoint, **_sample_args(rule, agency, other))
    if is_api:
        headers = {}
        if role != "anonymous":
            user = UserFactory(role=Role(role), agency=AgencyFactory() if Role(role).is_agency_role else None)
            headers["Authorization"] = f"Bearer {issue_api_token(user)[1]}"
        db.session.commit()
        response = app.test_client().open(url, method=method, headers=headers, json={} if method != "GET" else None)
    else:
        db.session.commit()
        client = client or _anonymous(app)
        response = client.open(
            url, method=method, data={"csrf_token": client.csrf_token()} if method == "POST" else None
        )
    response.close()
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert _outcome(response, is_api) == MATRIX[endpoint, method][role], (
        f"{method} {url} as {role}: {response.status_code}"
    )


def _anonymous(app):
    from tests.conftest import WebClient

    return WebClient(app.test_client())


def test_anonymous_post_without_csrf_is_refused_on_every_form(app, db):
    """Every state-changing web route refuses a POST without a CSRF token (the API uses tokens instead)."""
    client = app.test_client()
    agency, user = AgencyFactory(), UserFactory()
    db.session.commit()
    for rule, method in _routes(app):
        if method != "POST" or rule.rule.startswith("/api/"):
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **_sample_args(rule, agency, user))
        response = client.post(url, data={})
        assert response.status_code == 400, f"POST {url} without CSRF answered {response.status_code}"
        assert "security token" in response.get_data(as_text=True)
