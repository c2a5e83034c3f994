"""Fuzzing the JSON API from its OpenAPI document: whatever schemathesis sends, no answer is a server error.

schemathesis' own ``from_fixture``/``parametrize`` pair breaks on pytest 9 (it reads ``node._nodeid``), and the
schema needs the session's app, so each test loads the schema from the app and drives every operation's
strategy with ``@given`` itself.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode

from audit_app.agencies.operations import issue_api_token
from audit_app.core.permissions import Role
from tests.factories import AgencyFactory

#: The operations over agencies, users and tokens (other packages fuzz their own endpoints).
OURS = {
    ("GET", "/api/v1/health"),
    ("POST", "/api/v1/auth/token"),
    ("DELETE", "/api/v1/auth/token"),
    ("GET", "/api/v1/agencies"),
    ("POST", "/api/v1/agencies"),
    ("GET", "/api/v1/agencies/{agency_id}"),
    ("PATCH", "/api/v1/agencies/{agency_id}"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users/{user_id}"),
    ("GET", "/api/v1/me"),
}
FUZZ = settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def operations(app, db):
    """The operations of the agencies package's API, from the schema the app serves."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    parsed = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    return [op for op in parsed if (op.method.upper(), op.path) in OURS]


@pytest.fixture
def admin_token(app_ctx, db, make_user):
    """``admin_token()``: a fresh bearer token of an admin (a fuzzed DELETE /auth/token revokes the one it gets)."""
    admin = make_user(Role.ADMIN)
    AgencyFactory(name="Fuzz Agency")
    db.session.commit()

    def _token():
        _, token = issue_api_token(admin)
        db.session.commit()
        return token

    return _token


def _fuzz(operation, mode, headers, calls):
    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
        calls.append(response.status_code)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_gets_a_server_error(operations, admin_token, mode):
    assert {(op.method.upper(), op.path) for op in operations} == OURS
    if mode == GenerationMode.NEGATIVE:  # an operation without inputs has no invalid input to send
        operations = [op for op in operations if op.body or any(op.iter_parameters())]
    calls = []
    for operation in operations:
        _fuzz(operation, mode, {"Authorization": f"Bearer {admin_token()}"}, calls)

    assert len(calls) >= 3 * len(operations)  # the fuzzing really ran
