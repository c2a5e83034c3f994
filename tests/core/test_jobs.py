"""The scheduled-job table and ``flask scheduler tick``: every job runs once in its own app context and commits;
the scheduler runs only as its own process, never inside create_app."""

import threading
from datetime import UTC, datetime

from audit_app import create_app
from audit_app.agencies.models.users import LoginAttempt
from audit_app.config import TestingConfig
from audit_app.core.jobs import JOB_DEFAULTS, JOBS
from audit_app.core.mail import queue_email
from audit_app.core.models.notifications import Notification, NotificationStatus
from tests.conftest import _config_dict


def test_tick_runs_every_registered_job_once_and_prints_each_id(app, db, mailbox):
    with app.app_context():
        notification_id = queue_email(
            db.session, dedupe_key="tick:1", kind="reminder", recipient="tick@test.example",
            subject="Tick test", body="Sent by the outbox job.",
        )  # fmt: skip
        row = db.session.get(Notification, notification_id)
        row.next_attempt_at = datetime(2025, 12, 31, tzinfo=UTC)  # due at the tick's "now"
        old = LoginAttempt(email="x@test.example", succeeded=False, created_at=datetime(2025, 11, 1, tzinfo=UTC))
        recent = LoginAttempt(email="y@test.example", succeeded=False, created_at=datetime(2025, 12, 20, tzinfo=UTC))
        db.session.add_all([old, recent])
        db.session.commit()
        old_id, recent_id = old.id, recent.id

    result = app.test_cli_runner().invoke(args=["scheduler", "tick", "--now", "2026-01-01T00:00:00"])

    assert result.exit_code == 0, result.output
    printed = [line.split(":", 1)[0] for line in result.output.splitlines() if line.strip()]
    assert printed == sorted(JOBS)
    assert {"core.deliver_outbox", "agencies.purge_old_credentials"} <= set(JOBS)

    # The jobs committed through the shared session: the outbox job sent the due message, the purge job
    # deleted the attempt from more than 30 days before the tick's "now" and kept the recent one.
    with app.app_context():
        db.session.expire_all()
        assert db.session.get(Notification, notification_id).status == NotificationStatus.SENT
        assert db.session.get(LoginAttempt, old_id) is None
        assert db.session.get(LoginAttempt, recent_id) is not None
    assert [m["to"] for m in mailbox.messages] == [["tick@test.example"]]


def test_tick_uses_the_given_time_not_the_clock(app, db, mailbox):
    with app.app_context():
        notification_id = queue_email(
            db.session, dedupe_key="tick:later", kind="reminder", recipient="later@test.example",
            subject="Later", body="Not yet.",
        )  # fmt: skip
        db.session.get(Notification, notification_id).next_attempt_at = datetime(2030, 1, 1, tzinfo=UTC)
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["scheduler", "tick", "--now", "2026-01-01T00:00:00+00:00"])

    assert result.exit_code == 0, result.output
    assert mailbox.messages == []
    with app.app_context():
        db.session.expire_all()
        assert db.session.get(Notification, notification_id).status == NotificationStatus.PENDING


def test_a_bad_now_is_a_usage_error(app, db):
    result = app.test_cli_runner().invoke(args=["scheduler", "tick", "--now", "next tuesday"])

    assert result.exit_code == 2
    assert "ISO" in result.output
    assert "--now" in result.output


def test_job_defaults_protect_against_pile_ups():
    assert JOB_DEFAULTS == {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


def test_job_ids_name_their_package(app):
    for job_id, spec in JOBS.items():
        package, _, function = job_id.partition(".")
        assert spec.id == job_id
        assert package and function, job_id
        assert spec.func.__module__.startswith(f"audit_app.{package}."), job_id
        assert spec.trigger in ("interval", "cron", "date")


def test_create_app_starts_no_scheduler(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_INSTANCE_PATH", str(tmp_path))
    before = {t.ident for t in threading.enumerate()}

    second = create_app(
        {**_config_dict(TestingConfig), "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/s.db"}
    )
    try:
        new_threads = [t for t in threading.enumerate() if t.ident not in before]
        assert not [t for t in threading.enumerate() if "apscheduler" in t.name.lower()]
        assert new_threads == []
    finally:
        with second.app_context():
            from audit_app.extensions import db

            db.engine.dispose()
