"""The e-mail outbox: idempotent queueing, delivery over real SMTP, retries with backoff, a final failed state,
atomic claiming, and delivery after the commit of a web request."""

import re
import socket
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from audit_app.core.mail import deliver_outbox, queue_email
from audit_app.core.models.base import utcnow
from audit_app.core.models.notifications import Notification, NotificationStatus
from tests.factories import AgencyFactory


def _queue(db, key="test:1", recipient="someone@test.example", subject="Reminder", body="Please sign in."):
    return queue_email(db.session, dedupe_key=key, kind="reminder", recipient=recipient, subject=subject, body=body)


def _row(db, notification_id):
    db.session.expire_all()
    return db.session.get(Notification, notification_id)


@pytest.fixture
def closed_port(app, monkeypatch):
    """Point the app's SMTP settings at a loopback port where nothing listens (restored after the test)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    return port


def test_the_same_dedupe_key_queues_one_message(db, app_ctx):
    first = _queue(db, key="invite:7:1")
    second = _queue(db, key="invite:7:1", subject="A second attempt")

    assert isinstance(first, int)
    assert second is None
    rows = db.session.scalars(select(Notification).where(Notification.dedupe_key == "invite:7:1")).all()
    assert [(r.id, r.subject, r.status) for r in rows] == [(first, "Reminder", NotificationStatus.PENDING)]


def test_different_keys_queue_different_messages(db, app_ctx):
    assert _queue(db, key="a") != _queue(db, key="b")


def test_deliver_sends_over_smtp_and_marks_sent(db, app_ctx, mailbox):
    notification_id = _queue(db, recipient="lead@agency.example", subject="Your audit is due", body="Line one.\n")

    counts = deliver_outbox(db.session, ids=[notification_id])

    assert counts == {"sent": 1, "retry": 0, "failed": 0}
    [message] = mailbox.messages
    assert message["to"] == ["lead@agency.example"]
    assert message["subject"] == "Your audit is due"
    assert "Line one." in message["body"]
    row = _row(db, notification_id)
    assert row.status == NotificationStatus.SENT
    assert row.attempts == 1
    assert row.sent_at is not None and row.last_error is None


def test_a_sent_message_is_not_sent_again(db, app_ctx, mailbox):
    notification_id = _queue(db)
    deliver_outbox(db.session)
    counts = deliver_outbox(db.session)

    assert counts["sent"] == 0
    assert len(mailbox.messages) == 1
    assert _row(db, notification_id).attempts == 1


def test_a_row_claimed_by_another_worker_is_not_sent(db, app_ctx, mailbox):
    notification_id = _queue(db)
    # Another worker won the claim a moment ago and is sending it.
    db.session.execute(
        update(Notification).where(Notification.id == notification_id).values(status=NotificationStatus.SENDING)
    )
    db.session.commit()

    counts = deliver_outbox(db.session)

    assert counts == {"sent": 0, "retry": 0, "failed": 0}
    assert mailbox.messages == []
    assert _row(db, notification_id).status == NotificationStatus.SENDING


def test_a_message_not_yet_due_waits(db, app_ctx, mailbox):
    notification_id = _queue(db)
    counts = deliver_outbox(db.session, now=utcnow() - timedelta(minutes=5))

    assert counts["sent"] == 0
    assert mailbox.messages == []
    assert _row(db, notification_id).status == NotificationStatus.PENDING


def test_a_refused_connection_is_retried_with_backoff(db, app_ctx, closed_port):
    notification_id = _queue(db)
    now = utcnow()

    counts = deliver_outbox(db.session, now=now)

    assert counts == {"sent": 0, "retry": 1, "failed": 0}
    row = _row(db, notification_id)
    assert row.status == NotificationStatus.PENDING
    assert row.attempts == 1
    assert row.next_attempt_at > now
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()

    # Before the backoff has passed, nothing is attempted.
    deliver_outbox(db.session, now=now + timedelta(seconds=30))
    assert _row(db, notification_id).attempts == 1


def test_after_the_last_attempt_the_message_has_failed(
    app, db, app_ctx, closed_port, mailbox, smtp_server, monkeypatch
):
    notification_id = _queue(db)
    max_attempts = app.config["MAIL_MAX_ATTEMPTS"]
    now, waits = utcnow(), []

    for _ in range(max_attempts):
        deliver_outbox(db.session, now=now)
        row = _row(db, notification_id)
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at + timedelta(seconds=1)

    row = _row(db, notification_id)
    assert row.status == NotificationStatus.FAILED
    assert row.attempts == max_attempts
    assert row.last_error
    assert row.sent_at is None
    # Each retry waits longer than the one before.
    retry_waits = waits[:-1]
    assert retry_waits[0] > timedelta(0)
    assert retry_waits == sorted(set(retry_waits))

    # A failed message stays failed, even once the server is back.
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server[0].port)
    counts = deliver_outbox(db.session, now=now + timedelta(days=1))
    assert counts == {"sent": 0, "retry": 0, "failed": 0}
    assert mailbox.messages == []


def test_inviting_a_user_through_the_web_delivers_after_the_commit(db, login_as, mailbox):
    web = login_as("admin")
    agency = AgencyFactory(notes="Case C-12345: child Jamie Example, DOB 01/02/2015")
    db.session.commit()

    response = web.post(
        "/admin/users/new",
        {"name": "Ada Auditor", "email": "ada.auditor@agency.example", "role": "agency_auditor",
         "agency_id": str(agency.id), "send_invite": "y"},
    )  # fmt: skip

    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    [message] = mailbox.messages
    assert message["to"] == ["ada.auditor@agency.example"]
    assert "invited" in message["subject"].lower()
    assert re.search(r"http://localhost/set-password/[\w-]{20,}", message["body"])
    for child_data in ("C-12345", "Jamie", "DOB", "01/02/2015"):
        assert child_data not in message["body"] and child_data not in message["subject"]

    db.session.expire_all()
    row = db.session.scalar(select(Notification).where(Notification.recipient == "ada.auditor@agency.example"))
    assert row.status == NotificationStatus.SENT
    assert row.kind == "invite"


def test_a_refused_form_sends_no_email(db, login_as, mailbox):
    web = login_as("admin")

    response = web.post(
        "/admin/users/new",
        {"name": "No Agency", "email": "no.agency@agency.example", "role": "agency_auditor", "send_invite": "y"},
    )

    assert response.status_code == 400
    assert mailbox.messages == []
    assert db.session.scalar(select(Notification).where(Notification.recipient == "no.agency@agency.example")) is None
