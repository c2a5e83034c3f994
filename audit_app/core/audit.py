"""Writing the audit trail: an explicit ``record_event`` and an automatic record of every audited model change.

The edges (web request, API call, CLI command, scheduled job) say who is acting with ``set_actor``; operations
never pass the actor around and never touch the request.
"""

import datetime as dt
import decimal
import enum

from flask import g, has_app_context
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from audit_app.core.models.audit import AuditEvent
from audit_app.core.models.base import utcnow


class AppendOnlyViolation(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


def set_actor(user=None, *, remote_addr=None, channel=None):
    """Say who acts for the rest of this request, command or job.

    :param user: the signed-in user (anything with ``id`` and ``email``), or None for the system.
    :param remote_addr: the client's address.
    :param channel: ``web``, ``api``, ``cli`` or ``scheduler``.
    """
    g.audit_actor = (getattr(user, "id", None), getattr(user, "email", None))
    g.audit_remote_addr = remote_addr
    g.audit_channel = channel


def _context():
    if not has_app_context():
        return {"actor_id": None, "actor_email": None, "remote_addr": None, "channel": None}
    actor_id, actor_email = g.get("audit_actor", (None, None))
    return {
        "actor_id": actor_id,
        "actor_email": actor_email,
        "remote_addr": g.get("audit_remote_addr"),
        "channel": g.get("audit_channel"),
    }


def record_event(session, action, obj=None, *, outcome="success", summary=None, before=None, after=None, actor=None):
    """Add an explicit event (sign-in, refused access, an e-mail queued) to the session.

    :param session: the SQLAlchemy session.
    :param action: ``<noun>.<verb>``.
    :param obj: the model instance concerned, if any (it must have an id).
    :param outcome: ``success``, ``failure`` or ``denied``.
    :param summary: a short note, never child data.
    :param actor: overrides the acting user (e.g. the user who just signed in).
    :return: the new ``AuditEvent``.
    """
    ctx = _context()
    if actor is not None:
        ctx["actor_id"], ctx["actor_email"] = actor.id, actor.email
    entry = AuditEvent(
        action=action,
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=obj.id if obj is not None else None,
        outcome=outcome,
        summary=summary,
        before=before,
        after=after,
        **ctx,
    )
    session.add(entry)
    return entry


def _jsonable(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, list | dict | str | int | float | bool) or value is None:
        return value
    return str(value)


def _column_changes(obj):
    """Changed column values of a dirty object as (before, after) dicts; secrets show only that they changed."""
    state = inspect(obj)
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        if attr.key in obj.__audit_exclude__:
            before[attr.key], after[attr.key] = "(hidden)", "(changed)"
            continue
        before[attr.key] = _jsonable(hist.deleted[0]) if hist.deleted else None
        after[attr.key] = _jsonable(hist.added[0]) if hist.added else None
    return before, after


def _snapshot(obj):
    state = inspect(obj)
    return {
        a.key: _jsonable(getattr(obj, a.key)) for a in state.mapper.column_attrs if a.key not in obj.__audit_exclude__
    }


@event.listens_for(Session, "before_flush")
def _guard_append_only(session, _flush_context, _instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyViolation("The audit trail is append-only.")


@event.listens_for(Session, "after_flush")
def _record_model_changes(session, _flush_context):
    """Write one audit row per inserted, updated or deleted auditable object, in the same transaction."""
    rows = []
    ctx = _context()
    now = utcnow()
    for obj in session.new:
        if obj.__auditable__:
            rows.append(_row(obj, "create", None, _snapshot(obj), ctx, now))
    for obj in session.dirty:
        if obj.__auditable__ and session.is_modified(obj, include_collections=False):
            before, after = _column_changes(obj)
            if before or after:
                rows.append(_row(obj, "update", before, after, ctx, now))
    for obj in session.deleted:
        if obj.__auditable__:
            rows.append(_row(obj, "delete", _snapshot(obj), None, ctx, now))
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


def _row(obj, verb, before, after, ctx, now):
    return {
        "created_at": now,
        "action": f"{obj.__tablename__}.{verb}",
        "object_type": obj.__tablename__,
        "object_id": _object_id(obj),
        "outcome": "success",
        "before": before,
        "after": after,
        "summary": None,
        **ctx,
    }


def _object_id(obj):
    """The object's primary key; new objects get their identity only after ``after_flush``, so read the column."""
    state = inspect(obj)
    identity = state.identity or state.mapper.primary_key_from_instance(obj)
    return identity[0] if identity else None
