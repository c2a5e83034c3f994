"""Database engine settings: SQLite pragmas and transaction mode, and helpers shared by every package."""

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _sqlite_begin_mode():
    """Writes take the write lock at BEGIN, so a read-then-write never fails on a stale WAL snapshot."""
    if has_request_context() and request.method in SAFE_METHODS:
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def configure_engine(engine: Engine, busy_timeout_seconds: int) -> None:
    """Set up an engine after creation: for SQLite, WAL, foreign keys, a busy timeout and real transactions.

    pysqlite's own transaction handling is switched off (it would not emit BEGIN, which breaks SAVEPOINTs and
    the test suite's per-test rollback); we emit BEGIN ourselves.

    :param engine: the engine Flask-SQLAlchemy created.
    :param busy_timeout_seconds: how long a connection waits for a lock.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_seconds * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql(_sqlite_begin_mode())


#: Primary keys are 32-bit integers on PostgreSQL: a larger id cannot exist, so it is simply not found.
MAX_ID = 2**31 - 1


def get_by_id(session, model, object_id, **kwargs):
    """``session.get`` that answers None for ids no row can have (out of range or not a whole number), instead of
    letting the database raise an error (PostgreSQL refuses integers beyond 32 bits)."""
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        return None
    if not 0 < object_id <= MAX_ID:
        return None
    return session.get(model, object_id, **kwargs)


def bounded_int_converter():
    """A URL ``int`` converter that does not match ids beyond ``MAX_ID`` (so they are a plain 404)."""
    from werkzeug.routing import IntegerConverter

    class BoundedIntegerConverter(IntegerConverter):
        def __init__(self, url_map, *args, **kwargs):
            kwargs.setdefault("max", MAX_ID)
            super().__init__(url_map, *args, **kwargs)

    return BoundedIntegerConverter
