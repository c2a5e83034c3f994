"""Builder fixtures for cycles: ``make_cycle(agencies=3, cases=5, template="FSA_MACA")`` and the people involved."""

import pytest

from audit_app.core.permissions import Role
from tests.cycles.builders import build_cycle
from tests.factories import UserFactory


@pytest.fixture
def make_cycle(app_ctx):
    """Build a cycle: ``make_cycle(agencies=3, cases=5, template="FSA_MACA", status="open")`` (see ``build_cycle``)."""
    return build_cycle


@pytest.fixture
def reviewer(app_ctx):
    """An administrator of the business unit, who reviews returns."""
    return UserFactory(role=Role.ADMIN)
