"""Reads for agencies and users."""

from sqlalchemy import false, func, select

from audit_app.agencies.models.agencies import Agency, Partnership
from audit_app.agencies.models.users import User
from audit_app.core.db import MAX_ID, get_by_id
from audit_app.core.models.audit import AuditEvent
from audit_app.core.models.notifications import Notification
from audit_app.extensions import db


def get_partnership():
    """The deployment's partnership, or None before the first set-up."""
    return db.session.scalar(select(Partnership).order_by(Partnership.id).limit(1))


def get_agency(agency_id):
    """One agency or None."""
    return get_by_id(db.session, Agency, agency_id)


def query_agencies(*, active_only=False, kind=None, duty=None, search=None):
    """Agencies ordered by name.

    :param active_only: leave out inactive agencies.
    :param kind: only this kind.
    :param duty: only this statutory duty.
    :param search: a case-insensitive part of the name.
    :return: a select of ``Agency``.
    """
    query = select(Agency).order_by(func.lower(Agency.name))
    if active_only:
        query = query.where(Agency.is_active.is_(True))
    if kind:
        query = query.where(Agency.kind == kind)
    if duty:
        query = query.where(Agency.duty == duty)
    if search:
        query = query.where(Agency.name.ilike(f"%{search.strip()}%"))
    return query


def count_users_by_agency():
    """:return: a dict agency id -> number of active users."""
    rows = db.session.execute(
        select(User.agency_id, func.count(User.id)).where(User.is_active.is_(True)).group_by(User.agency_id)
    )
    return dict(rows.all())  # not dict(rows): a Result has keys(), so dict() would read it as a mapping


def get_user(user_id):
    """One user or None."""
    return get_by_id(db.session, User, user_id)


def get_user_by_email(email):
    """The user with this e-mail (any case) or None."""
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def query_users(*, role=None, agency_id=None, active=None, search=None):
    """Users ordered by name, with their agency loaded.

    :return: a select of ``User``.
    """
    from sqlalchemy.orm import selectinload

    query = select(User).options(selectinload(User.agency)).order_by(func.lower(User.name))
    if role:
        query = query.where(User.role == role)
    if agency_id:
        query = query.where(User.agency_id == agency_id)
    if active is not None:
        query = query.where(User.is_active.is_(active))
    if search:
        pattern = f"%{search.strip()}%"
        query = query.where(User.name.ilike(pattern) | User.email.ilike(pattern))
    return query


def query_audit_events(*, action=None, object_type=None, object_id=None, actor_id=None):
    """The audit trail, newest first.

    :return: a select of ``AuditEvent``.
    """
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:  # an id too large for the column matches nothing (and must not reach the database)
        query = query.where(AuditEvent.object_id == object_id if abs(object_id) <= MAX_ID else false())
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    return query


def query_notifications(*, status=None):
    """The e-mail outbox, newest first. :return: a select of ``Notification``."""
    query = select(Notification).order_by(Notification.id.desc())
    if status:
        query = query.where(Notification.status == status)
    return query
