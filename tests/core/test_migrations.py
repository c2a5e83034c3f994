"""The models and the Alembic migrations agree, and the migrations go down to nothing and back up again."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from audit_app import create_app
from audit_app.config import TestingConfig
from audit_app.extensions import db as _db
from tests.conftest import _config_dict


def test_the_migrated_schema_matches_the_models(app, db):
    connection = db.session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})

    differences = compare_metadata(context, db.metadata)

    assert differences == [], "the models and the migrations disagree: run `flask db migrate` and review it"


def test_the_migrations_are_at_head(app, db):
    from alembic.script import ScriptDirectory

    migrate_config = app.extensions["migrate"].migrate.get_config(app.extensions["migrate"].directory)
    heads = ScriptDirectory.from_config(migrate_config).get_heads()
    current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()

    assert len(heads) == 1, f"the migrations have branched: {heads}"
    assert current == heads


def _triggers(connection):
    rows = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    return sorted(name for (name,) in rows)


def test_downgrade_to_base_and_upgrade_again_on_a_fresh_database(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_INSTANCE_PATH", str(tmp_path / "instance"))
    fresh = create_app({**_config_dict(TestingConfig), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.db"})
    model_tables = set(_db.metadata.tables)

    with fresh.app_context():
        try:
            upgrade()
            engine = _db.engine
            assert model_tables <= set(inspect(engine).get_table_names())

            downgrade(revision="base")
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
            with engine.connect() as conn:
                assert _triggers(conn) == []

            upgrade()
            assert model_tables <= set(inspect(engine).get_table_names())
            with engine.connect() as conn:
                assert _triggers(conn) == ["audit_events_no_delete", "audit_events_no_update"]
                # The schema works, not only exists: the append-only trigger is back.
                conn.execute(text("INSERT INTO audit_events (created_at, action, outcome) VALUES "
                                  "('2026-01-01 00:00:00', 'test.event', 'success')"))  # fmt: skip
                with pytest.raises(DBAPIError, match="append-only"):
                    conn.execute(text("DELETE FROM audit_events"))
                conn.rollback()
        finally:
            _db.session.remove()
            _db.engine.dispose()
