"""The audit trail: automatic before/after records of audited models, the actor context, and append-only storage
enforced both by the ORM and by a database trigger."""

import json

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from audit_app.agencies.models.agencies import AgencyKind
from audit_app.agencies.passwords import hash_password
from audit_app.core.audit import AppendOnlyViolation, record_event, set_actor
from audit_app.core.models.audit import AuditEvent
from audit_app.core.permissions import Role
from tests.factories import AgencyFactory, UserFactory


def events_for(db, obj_type, obj_id):
    """Every audit event about one object, oldest first."""
    query = select(AuditEvent).where(AuditEvent.object_type == obj_type, AuditEvent.object_id == obj_id)
    return db.session.scalars(query.order_by(AuditEvent.id)).all()


def test_creating_an_agency_records_a_snapshot_of_its_columns(db, app_ctx):
    agency = AgencyFactory(name="North Police", kind=AgencyKind.POLICE, notes="Business unit notes")

    [event] = events_for(db, "agencies", agency.id)
    assert event.action == "agencies.create"
    assert event.outcome == "success"
    assert event.before is None
    assert event.after["name"] == "North Police"
    assert event.after["kind"] == "police"  # enums stored as their values, so the JSON stays readable
    assert event.after["notes"] == "Business unit notes"
    assert event.after["id"] == agency.id
    assert event.created_at.tzinfo is not None


def test_updating_records_only_the_changed_columns(db, app_ctx):
    agency = AgencyFactory(name="Old name", notes="kept")
    db.session.flush()

    agency.name = "New name"
    db.session.flush()

    updates = [e for e in events_for(db, "agencies", agency.id) if e.action == "agencies.update"]
    assert len(updates) == 1
    event = updates[0]
    assert event.before == {"name": "Old name"}
    assert event.after == {"name": "New name"}
    assert ("name", "Old name", "New name") in event.changes


def test_an_unchanged_flush_records_nothing(db, app_ctx):
    agency = AgencyFactory()
    db.session.flush()
    agency.name = agency.name  # assigned but not changed
    db.session.flush()

    assert [e.action for e in events_for(db, "agencies", agency.id)] == ["agencies.create"]


def test_deleting_records_the_last_state(db, app_ctx):
    agency = AgencyFactory(name="Closing agency")
    agency_id = agency.id
    db.session.flush()

    db.session.delete(agency)
    db.session.flush()

    event = events_for(db, "agencies", agency_id)[-1]
    assert event.action == "agencies.delete"
    assert event.before["name"] == "Closing agency"
    assert event.after is None


def test_password_hash_never_reaches_the_trail(db, app_ctx):
    user = UserFactory(role=Role.ADMIN)
    original_hash = user.password_hash
    db.session.flush()

    user.password_hash = hash_password("a completely different passphrase")
    new_hash = user.password_hash
    db.session.flush()

    created, updated = events_for(db, "users", user.id)
    assert created.action == "users.create"
    assert "password_hash" not in created.after
    assert updated.action == "users.update"
    assert updated.before["password_hash"] == "(hidden)"
    assert updated.after["password_hash"] == "(changed)"
    stored = json.dumps([created.before, created.after, updated.before, updated.after])
    assert original_hash not in stored
    assert new_hash not in stored


def test_user_changes_record_the_users_columns(db, app_ctx):
    agency = AgencyFactory()
    user = UserFactory(role=Role.AGENCY_AUDITOR, agency=agency, name="Ann Auditor")
    db.session.flush()

    user.role = Role.AGENCY_LEAD
    db.session.flush()

    event = events_for(db, "users", user.id)[-1]
    assert event.before["role"] == "agency_auditor"
    assert event.after["role"] == "agency_lead"
    assert "name" not in event.after


def test_the_actor_set_at_the_edge_is_recorded(db, app_ctx):
    actor = UserFactory(role=Role.ADMIN, email="lead.admin@test.example")
    db.session.flush()

    set_actor(actor, remote_addr="203.0.113.9", channel="web")
    agency = AgencyFactory()
    db.session.flush()

    [event] = events_for(db, "agencies", agency.id)
    assert (event.actor_id, event.actor_email) == (actor.id, "lead.admin@test.example")
    assert event.remote_addr == "203.0.113.9"
    assert event.channel == "web"


def test_a_system_actor_is_recorded_without_a_user(db, app_ctx):
    set_actor(None, channel="scheduler")
    agency = AgencyFactory()
    db.session.flush()

    [event] = events_for(db, "agencies", agency.id)
    assert event.actor_id is None and event.actor_email is None
    assert event.channel == "scheduler"


def test_record_event_takes_the_actor_override(db, app_ctx):
    user = UserFactory(role=Role.SCRUTINEER)
    db.session.flush()
    set_actor(None, remote_addr="198.51.100.1", channel="web")

    record_event(db.session, "auth.login", user, actor=user, summary="Signed in")
    db.session.flush()

    event = events_for(db, "users", user.id)[-1]
    assert event.action == "auth.login"
    assert event.actor_id == user.id
    assert event.remote_addr == "198.51.100.1"
    assert event.summary == "Signed in"


def _explicit_event(db):
    event = record_event(db.session, "test.event", summary="original")
    db.session.flush()
    return event


def test_the_orm_refuses_to_update_an_event(db, app_ctx):
    event = _explicit_event(db)

    event.summary = "rewritten"
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()


def test_the_orm_refuses_to_delete_an_event(db, app_ctx):
    event = _explicit_event(db)

    db.session.delete(event)
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET summary = 'rewritten' WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
    ],
)
def test_the_database_refuses_raw_update_and_delete(db, app_ctx, statement):
    event = _explicit_event(db)
    event_id = event.id
    db.session.commit()

    # A savepoint, so that on PostgreSQL the failed statement does not abort the test's transaction.
    with pytest.raises(DBAPIError) as excinfo, db.session.begin_nested():
        db.session.execute(text(statement), {"id": event_id})
    assert "append-only" in str(excinfo.value)

    db.session.expire_all()
    still_there = db.session.get(AuditEvent, event_id)
    assert still_there is not None
    assert still_there.summary == "original"


def test_non_auditable_models_write_no_events(db, app_ctx):
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    _explicit_event(db)  # an AuditEvent itself is not audited (no event about the event)
    after = db.session.scalar(select(func.count(AuditEvent.id)))
    assert after == before + 1
