"""Queueing e-mail in the outbox and delivering it over SMTP after the commit, with retries and backoff."""

import logging
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, g, has_app_context
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from audit_app.core.models.base import utcnow
from audit_app.core.models.notifications import Notification, NotificationStatus

logger = logging.getLogger(__name__)


def queue_email(session, *, dedupe_key, kind, recipient, subject, body, user_id=None):
    """Add a message to the outbox unless one with the same ``dedupe_key`` exists (insert ... on conflict do nothing).

    :param session: the SQLAlchemy session; the row commits with the caller's transaction.
    :param dedupe_key: what makes this message unique.
    :return: the new row's id, or None when the key already existed.
    """
    values = {
        "dedupe_key": dedupe_key,
        "kind": kind,
        "recipient": recipient,
        "subject": subject,
        "body": body,
        "user_id": user_id,
        "status": NotificationStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": utcnow(),
        "created_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Notification).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = session.execute(stmt.returning(Notification.id))
    new_id = result.scalar_one_or_none()
    if new_id is not None and has_app_context():
        g.setdefault("outbox_new", []).append(new_id)
    return new_id


def _claim(session, notification_id, now):
    """Atomically move one due row from pending to sending; only one worker or scheduler can win it."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == NotificationStatus.PENDING,
            Notification.next_attempt_at <= now,
        )
        .values(status=NotificationStatus.SENDING, attempts=Notification.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _send(config, row):
    msg = EmailMessage()
    msg["From"] = config["MAIL_DEFAULT_SENDER"]
    msg["To"] = row.recipient
    msg["Subject"] = row.subject
    msg["Message-ID"] = make_msgid(domain=config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or None)
    msg.set_content(row.body)
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(msg)


def deliver_outbox(session, *, ids=None, now=None, limit=100):
    """Send due outbox messages, each claimed atomically, committing after each so that nothing is sent twice.

    :param session: the SQLAlchemy session (this function commits: it is called at an edge, after the request's
        own commit, or as the body of the outbox job).
    :param ids: only these rows (the ones the request just queued); None for every due row.
    :param now: the current time (for tests that travel in time).
    :param limit: at most this many messages.
    :return: a dict of counts: ``sent``, ``retry``, ``failed``.
    """
    config = current_app.config
    now = now or utcnow()
    query = select(Notification.id).where(
        Notification.status == NotificationStatus.PENDING, Notification.next_attempt_at <= now
    )
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    candidate_ids = session.scalars(query.order_by(Notification.id).limit(limit)).all()
    session.commit()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for notification_id in candidate_ids:
        if not _claim(session, notification_id, now):
            session.rollback()
            continue
        session.commit()
        row = session.get(Notification, notification_id)
        session.refresh(row)
        try:
            _send(config, row)
        except (OSError, smtplib.SMTPException) as exc:
            _record_failure(row, exc, config, now)
            counts["failed" if row.status == NotificationStatus.FAILED else "retry"] += 1
        else:
            row.status, row.sent_at, row.last_error = NotificationStatus.SENT, utcnow(), None
            counts["sent"] += 1
        session.commit()
    return counts


def _record_failure(row, exc, config, now):
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if row.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        row.status = NotificationStatus.FAILED
        logger.error("E-mail %s failed for good after %s attempts: %s", row.id, row.attempts, row.last_error)
    else:
        row.status = NotificationStatus.PENDING
        row.next_attempt_at = now + timedelta(minutes=2**row.attempts)
        logger.warning("E-mail %s failed (attempt %s), will retry: %s", row.id, row.attempts, row.last_error)


def deliver_after_request(session):
    """Deliver what this request queued, after its commit. Failures stay in the outbox for the scheduler."""
    ids = g.pop("outbox_new", None)
    if not ids:
        return
    try:
        deliver_outbox(session, ids=ids)
    except Exception:  # delivery must never break the page the user is waiting for
        session.rollback()
        logger.exception("Delivering e-mail after the request failed; the scheduler will retry")
