"""``flask backup create``: the backup is restored (opened) and compared with the live database."""

import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, insert

from audit_app.agencies.models.users import LoginAttempt
from audit_app.core.models.notifications import Notification
from audit_app.extensions import db as _db

MARK = "backup-test"


@pytest.fixture
def committed_rows(app):
    """Rows really committed to the live database (the backup sees only committed data), removed afterwards.

    Only tables that allow deletion are used: the audit trail is append-only even for tests.
    """
    now = datetime.now(UTC)
    with app.app_context(), _db.engine.begin() as conn:
        conn.execute(insert(LoginAttempt), [
            {"email": f"{MARK}-{n}@test.example", "remote_addr": "127.0.0.1", "succeeded": n % 2 == 0,
             "created_at": now} for n in range(7)
        ])  # fmt: skip
        conn.execute(insert(Notification), [
            {"dedupe_key": f"{MARK}:{n}", "kind": "reminder", "recipient": "b@test.example", "subject": "S",
             "body": "B", "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}
            for n in range(3)
        ])  # fmt: skip
    yield
    with app.app_context(), _db.engine.begin() as conn:
        conn.execute(delete(LoginAttempt).where(LoginAttempt.email.like(f"{MARK}-%")))
        conn.execute(delete(Notification).where(Notification.dedupe_key.like(f"{MARK}:%")))


def _run_backup(app, folder):
    result = app.test_cli_runner().invoke(args=["backup", "create", "--folder", str(folder)])
    assert result.exit_code == 0, result.output
    match = re.search(r"Backup written to (\S+)", result.output)
    assert match, result.output
    path = Path(match.group(1))
    assert path.parent == folder
    assert path.is_file()
    return path


def _tables(conn):
    names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return sorted(name for (name,) in names)


def _schema(conn):
    return sorted(conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))


def _rows(conn, table):
    return sorted(conn.execute(f'SELECT * FROM "{table}"'), key=repr)  # noqa: S608 (names from sqlite_master)


def test_backup_restores_to_the_same_data(app, committed_rows, tmp_path):
    with app.app_context():
        dialect, url = _db.engine.dialect.name, _db.engine.url
    folder = tmp_path / "backups"

    path = _run_backup(app, folder)

    if dialect == "postgresql":
        _check_pg_dump(path)
        return
    assert dialect == "sqlite"
    with closing(sqlite3.connect(url.database)) as live, closing(sqlite3.connect(path)) as restored:
        assert restored.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert _schema(restored) == _schema(live)  # tables, indexes and the append-only triggers
        tables = _tables(live)
        assert {"audit_events", "notifications", "login_attempts", "alembic_version"} <= set(tables)
        assert _tables(restored) == tables
        for table in tables:
            count = f'SELECT count(*) FROM "{table}"'  # noqa: S608
            assert restored.execute(count).fetchone() == live.execute(count).fetchone(), table
        for table in ("login_attempts", "notifications", "alembic_version"):
            assert _rows(restored, table) == _rows(live, table), table
        assert restored.execute(
            "SELECT count(*) FROM login_attempts WHERE email LIKE ?", (f"{MARK}-%",)
        ).fetchone() == (7,)


def _check_pg_dump(path):
    data = path.read_bytes()
    assert data.startswith(b"PGDMP")  # pg_dump's custom format
    listing = subprocess.run(  # noqa: S603
        [shutil.which("pg_restore"), "--list", str(path)], check=True, capture_output=True, text=True
    ).stdout
    for table in ("audit_events", "notifications", "login_attempts", "users"):
        assert re.search(rf"TABLE DATA \S+ {table} ", listing), table


def test_without_a_folder_the_configured_backup_folder_is_used(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_FOLDER", str(tmp_path / "configured"))

    result = app.test_cli_runner().invoke(args=["backup", "create"])

    assert result.exit_code == 0, result.output
    [written] = (tmp_path / "configured").iterdir()
    assert written.name.startswith("assure-")
    assert written.stat().st_size > 0
