"""Access control as a matrix: every route x every method x every role (and anonymous) has a declared outcome.

The matrix is checked against the URL map, so a new route without a row fails ``test_every_route_is_declared``.
"""

import pytest
from flask import url_for

from audit_app.agencies.operations import issue_api_token
from audit_app.core.permissions import Role
from audit_app.tools.operations import create_template
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
TEMPLATES_VIEW = row(L, A, A, A, A, F)
#: Another agency's return: reviewers may see it, agency roles must not learn it exists, board viewers never see it.
OTHER_AGENCY_VIEW = row(L, A, N, N, A, F)
OTHER_AGENCY_EDIT = row(L, F, N, N, F, F)

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
    ("api_templates.Templates", "GET"): row(U, A, A, A, A, F),
    ("api_templates.TemplateImport", "POST"): API_ADMIN_ONLY,
    # The sample ids name no version: roles allowed to look get 404, the others 403 before any lookup.
    ("api_templates.VersionItem", "GET"): row(U, A, A, A, A, F),
    ("api_templates.VersionExport", "GET"): row(U, A, A, A, A, F),
    ("api_templates.VersionPublish", "POST"): API_ADMIN_ONLY,
    # Cycles and returns: sample ids name nothing (404 for roles allowed to look); bodies are {} (422 -> A).
    ("api_cycles.Cycles", "GET"): row(U, A, F, F, A, F),
    ("api_cycles.Cycles", "POST"): API_ADMIN_ONLY,
    ("api_cycles.cycle_item", "GET"): row(U, A, F, F, A, F),
    ("api_cycles.cycle_open", "POST"): API_ADMIN_ONLY,
    ("api_cycles.cycle_close", "POST"): API_ADMIN_ONLY,
    ("api_cycles.cycle_assignments", "GET"): row(U, A, N, N, A, F),
    ("api_cycles.cycle_participation", "GET"): row(U, A, F, F, A, F),
    ("api_cycles.assignment_item", "GET"): row(U, A, N, N, A, F),
    ("api_cycles.assignment_answers", "PUT"): row(U, F, A, A, F, F),
    ("api_cycles.assignment_submit", "POST"): row(U, F, N, N, F, F),
    ("api_cycles.assignment_decline", "POST"): row(U, F, A, A, F, F),
    ("api_cycles.assignment_return", "POST"): row(U, A, F, F, A, F),
    ("api_cycles.assignment_accept", "POST"): row(U, A, F, F, A, F),
    # The template builder: sample ids name a real draft (see _builder_draft); posts carry only the CSRF token.
    ("tools.template_list", "GET"): TEMPLATES_VIEW,
    ("tools.template_create", "GET"): ADMIN_ONLY,
    ("tools.template_create", "POST"): ADMIN_ONLY,
    ("tools.template_import", "GET"): ADMIN_ONLY,
    ("tools.template_import", "POST"): ADMIN_ONLY,
    ("tools.version_compare", "GET"): TEMPLATES_VIEW,
    ("tools.version_start", "POST"): ADMIN_ONLY,
    ("tools.version_detail", "GET"): TEMPLATES_VIEW,
    ("tools.version_edit", "GET"): ADMIN_ONLY,
    ("tools.version_edit", "POST"): ADMIN_ONLY,
    ("tools.version_preview", "GET"): TEMPLATES_VIEW,
    ("tools.version_export", "GET"): TEMPLATES_VIEW,
    ("tools.version_publish", "GET"): ADMIN_ONLY,
    ("tools.version_publish", "POST"): ADMIN_ONLY,
    ("tools.version_delete", "GET"): ADMIN_ONLY,
    ("tools.version_delete", "POST"): ADMIN_ONLY,
    ("tools.version_retire", "POST"): ADMIN_ONLY,
    ("tools.section_create", "GET"): ADMIN_ONLY,
    ("tools.section_create", "POST"): ADMIN_ONLY,
    ("tools.section_edit", "GET"): ADMIN_ONLY,
    ("tools.section_edit", "POST"): ADMIN_ONLY,
    ("tools.section_delete", "GET"): ADMIN_ONLY,
    ("tools.section_delete", "POST"): ADMIN_ONLY,
    ("tools.section_move", "POST"): ADMIN_ONLY,
    ("tools.question_create", "GET"): ADMIN_ONLY,
    ("tools.question_create", "POST"): ADMIN_ONLY,
    ("tools.question_edit", "GET"): ADMIN_ONLY,
    ("tools.question_edit", "POST"): ADMIN_ONLY,
    ("tools.question_delete", "GET"): ADMIN_ONLY,
    ("tools.question_delete", "POST"): ADMIN_ONLY,
    ("tools.question_move", "POST"): ADMIN_ONLY,
    ("tools.scale_add", "GET"): ADMIN_ONLY,
    ("tools.scale_add", "POST"): ADMIN_ONLY,
    ("tools.scale_create", "GET"): ADMIN_ONLY,
    ("tools.scale_create", "POST"): ADMIN_ONLY,
    ("tools.scale_edit", "GET"): ADMIN_ONLY,
    ("tools.scale_edit", "POST"): ADMIN_ONLY,
    # Cycle administration (sample: a real draft self-assessment; posts carry only the CSRF token).
    ("cycles.cycle_list", "GET"): row(L, A, F, F, A, F),
    ("cycles.cycle_overview", "GET"): row(L, A, F, F, A, F),
    ("cycles.cycle_create", "GET"): ADMIN_ONLY,
    ("cycles.cycle_create", "POST"): ADMIN_ONLY,
    ("cycles.cycle_create_next", "GET"): ADMIN_ONLY,
    ("cycles.cycle_create_next", "POST"): ADMIN_ONLY,
    ("cycles.cycle_open", "POST"): ADMIN_ONLY,
    ("cycles.cycle_close", "POST"): ADMIN_ONLY,
    ("cycles.cycle_reopen", "POST"): ADMIN_ONLY,
    ("cycles.cycle_mark_reported", "POST"): ADMIN_ONLY,
    ("cycles.case_add", "POST"): ADMIN_ONLY,
    # Returns (sample: a real return of ANOTHER agency in an open case audit, so agency roles must get 404).
    ("returns.my_returns", "GET"): row(L, F, A, A, F, F),
    ("returns.return_view", "GET"): OTHER_AGENCY_VIEW,
    ("returns.return_download", "GET"): OTHER_AGENCY_VIEW,
    ("returns.return_edit", "GET"): OTHER_AGENCY_EDIT,
    ("returns.return_edit", "POST"): OTHER_AGENCY_EDIT,
    ("returns.return_autosave", "POST"): OTHER_AGENCY_EDIT,
    ("returns.return_submit", "POST"): OTHER_AGENCY_EDIT,
    ("returns.return_decline", "GET"): OTHER_AGENCY_EDIT,
    ("returns.return_decline", "POST"): OTHER_AGENCY_EDIT,
    ("returns.return_reopen", "POST"): OTHER_AGENCY_EDIT,
    ("returns.return_upload", "GET"): OTHER_AGENCY_EDIT,
    ("returns.return_upload", "POST"): OTHER_AGENCY_EDIT,
    ("returns.return_reassign", "GET"): OTHER_AGENCY_EDIT,
    ("returns.return_reassign", "POST"): OTHER_AGENCY_EDIT,
    ("returns.return_review", "POST"): row(L, A, N, N, A, F),
    ("returns.return_progress", "GET"): OTHER_AGENCY_VIEW,
    ("returns.return_progress", "POST"): row(L, F, N, N, F, F),
    ("cycles.cycle_mid_year", "POST"): ADMIN_ONLY,
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


def _builder_draft():
    """A draft template with a scale, a section and a question, for the builder's routes."""
    return create_template({
        "code": "MATRIX_TOOL", "name": "Matrix tool", "kind": "case_audit",
        "scales": [{"code": "GRADE", "name": "Grade", "levels": [
            {"value": "good", "label": "Good", "score": 2}, {"value": "poor", "label": "Poor", "score": 1}]}],
        "sections": [{"code": "S1", "title": "Section", "questions": [
            {"code": "Q1", "text": "Question?", "type": "scale", "scale": "GRADE"}]}],
    })  # fmt: skip


def _sample_cycle(agency):
    """A draft self-assessment cycle of ``agency``, for the cycle administration routes."""
    from tests.cycles.builders import build_cycle

    return build_cycle(agencies=[agency], template="MINI_SELF")


def _sample_return():
    """A return of a separate agency in an open case audit, for the returns routes."""
    from tests.cycles.builders import build_cycle

    cycle = build_cycle(agencies=[AgencyFactory(name="Sample agency")], cases=1, template="MINI_CASE", status="open")
    return cycle.assignments[0]


def _sample_args(rule, agency, user, draft=None, cycle=None, assignment=None):
    values = {"agency_id": agency.id, "user_id": user.id, "token": "not-a-real-token", "filename": "dist/app.css",
              "template_id": 0, "version_id": 0, "cycle_id": 0, "assignment_id": 0}  # fmt: skip
    if draft is not None and rule.endpoint.startswith("tools."):
        values.update(template_id=draft.template_id, version_id=draft.id, section_code="S1", question_code="Q1",
                      scale_code="GRADE")  # fmt: skip
    if cycle is not None and rule.endpoint.startswith("cycles."):
        values["cycle_id"] = cycle.id
    if assignment is not None and rule.endpoint.startswith(("returns.", "api_cycles.")):
        values.update(assignment_id=assignment.id, cycle_id=assignment.cycle_id, page_key="MAIN")
    if draft is not None and rule.endpoint.startswith("api_templates."):
        values.update(template_id=draft.template_id, version_id=draft.id)
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
    agency, other, draft = AgencyFactory(), UserFactory(role=Role.BOARD_VIEWER), _builder_draft()
    cycle, sample_return = _sample_cycle(agency), _sample_return()
    is_api = rule.rule.startswith("/api/")
    client = login_as(role) if role != "anonymous" and not is_api else None
    with app.test_request_context():
        url = url_for(endpoint, **_sample_args(rule, agency, other, draft, cycle, sample_return))
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
    agency, user, draft = AgencyFactory(), UserFactory(), _builder_draft()
    cycle, sample_return = _sample_cycle(agency), _sample_return()
    db.session.commit()
    for rule, method in _routes(app):
        if method != "POST" or rule.rule.startswith("/api/"):
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **_sample_args(rule, agency, user, draft, cycle, sample_return))
        response = client.post(url, data={})
        assert response.status_code == 400, f"POST {url} without CSRF answered {response.status_code}"
        assert "security token" in response.get_data(as_text=True)
