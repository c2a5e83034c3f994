"""Declarative base with a naming convention, so that Alembic batch migrations can name every constraint."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow():
    """The current time in UTC, timezone-aware (callable default for ``*_at`` columns)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base of every model. Models that set ``__auditable__`` get their changes written to the audit trail."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    #: Write inserts, updates and deletes of this model to the audit trail.
    __auditable__ = False
    #: Columns never copied into the audit trail (hashes, secrets).
    __audit_exclude__ = frozenset()


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware, on SQLite (naive storage) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
