"""The core package's own scheduled jobs."""

from audit_app.core.jobs import scheduled_job
from audit_app.core.mail import deliver_outbox


@scheduled_job("core.deliver_outbox", "interval", minutes=1)
def deliver_outbox_job(now):
    """Send due e-mail from the outbox, retrying failures with backoff."""
    from audit_app.extensions import db

    return deliver_outbox(db.session, now=now)
