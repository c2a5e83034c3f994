"""Fixtures for the audit tools: the theme taxonomy, and the small template of builders.SMALL."""

import pytest

from audit_app.thematic.operations import sync_taxonomy
from audit_app.tools.library import with_library_scales
from audit_app.tools.operations import create_template
from tests.tools.builders import SMALL


@pytest.fixture
def taxonomy(app_ctx, db):
    """The shipped theme taxonomy, in the test's database."""
    sync_taxonomy()
    db.session.flush()


@pytest.fixture
def small_version(taxonomy):
    """A draft version 1 of the small template."""
    return create_template(with_library_scales(SMALL))
