"""Fixtures of the API tests."""

import pytest

from audit_app.core.permissions import Role
from tests.api.support import Api


@pytest.fixture
def api(app, db, make_user):
    """``api(role)``: a client holding a fresh token for a new user of ``role``; ``api(None)`` has no token."""

    def _api(role=Role.ADMIN, **kwargs):
        user = make_user(role, **kwargs) if role is not None else None
        db.session.commit()
        return Api(app, user)

    return _api
