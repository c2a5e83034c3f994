"""The e-mail outbox: one row per message, written in the same transaction as the change that caused it."""

import enum

from sqlalchemy import Enum, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from audit_app.core.models.base import Base, UTCDateTime, utcnow


class NotificationStatus(enum.StrEnum):
    """Where a message is in its delivery."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Notification(Base):
    """An e-mail (and in-app notice) to one recipient. ``dedupe_key`` makes every sender idempotent."""

    __tablename__ = "notifications"

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Unique key of what caused the message (``invite:12:3``, ``chase:45:step2``): the same step never sends twice.
    dedupe_key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    #: What kind of message: ``invite``, ``password_reset``, ``reminder``, ...
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    #: The recipient's address.
    recipient: Mapped[str] = mapped_column(String(254), nullable=False)
    #: The recipient user, when there is one.
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: Subject line (never child data).
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Plain-text body (never child data).
    body: Mapped[str] = mapped_column(Text, nullable=False)
    #: Delivery status.
    status: Mapped[NotificationStatus] = mapped_column(
        Enum(NotificationStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        nullable=False,
        default=NotificationStatus.PENDING,
        index=True,
    )
    #: Delivery attempts so far.
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Not before this time (backoff after a failure).
    next_attempt_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: When the row was written.
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: When the SMTP server accepted it.
    sent_at = mapped_column(UTCDateTime)
    #: The last delivery error, for the admin's outbox page.
    last_error: Mapped[str | None] = mapped_column(Text)
