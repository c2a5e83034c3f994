"""The append-only audit trail: who changed what, when, from where, before and after."""

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from audit_app.core.models.base import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """One recorded event. Rows are never updated or deleted (the ORM and database triggers refuse it)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: When it happened (UTC).
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    #: The acting user's id, or None for the system (scheduler, CLI without a user).
    actor_id: Mapped[int | None] = mapped_column(Integer)
    #: The acting user's e-mail at the time (kept even if the user is renamed).
    actor_email: Mapped[str | None] = mapped_column(String(254))
    #: What happened, as ``<noun>.<verb>``: ``agency.update``, ``auth.login_failed``.
    action: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    #: The table of the object acted on, if any.
    object_type: Mapped[str | None] = mapped_column(String(80))
    #: The id of the object acted on, if any.
    object_id: Mapped[int | None] = mapped_column(Integer)
    #: ``success``, ``failure`` or ``denied``.
    outcome: Mapped[str] = mapped_column(String(20), nullable=False, default="success")
    #: Values before the change (changed columns only); None for inserts.
    before: Mapped[dict | None] = mapped_column(JSON)
    #: Values after the change (changed columns only); None for deletes.
    after: Mapped[dict | None] = mapped_column(JSON)
    #: A short human-readable note (never child data).
    summary: Mapped[str | None] = mapped_column(Text)
    #: The client's address, when the change came through the web or the API.
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    #: Where it came from: ``web``, ``api``, ``cli``, ``scheduler``.
    channel: Mapped[str | None] = mapped_column(String(20))

    @property
    def changes(self):
        """The changed fields as ``(field, before, after)``, in a stable order."""
        before, after = self.before or {}, self.after or {}
        return [(key, before.get(key), after.get(key)) for key in sorted(set(before) | set(after))]
