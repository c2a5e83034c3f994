"""Operations on agencies and users: validation with field details, optimistic locking, session versions."""

import pytest
from sqlalchemy import select

from audit_app.agencies import operations
from audit_app.agencies.models.agencies import Agency, AgencyKind, StatutoryDuty
from audit_app.agencies.models.users import ApiToken, User
from audit_app.agencies.passwords import verify_password
from audit_app.core.errors import ConflictError, ValidationError
from audit_app.core.permissions import Role
from tests.factories import AgencyFactory, UserFactory

STRONG = "quiet harbour lantern seventeen"


# --- Agencies ---------------------------------------------------------------------------------------------------
def test_create_agency_stores_trimmed_values(app_ctx, db):
    agency = operations.create_agency(
        name="  Westfield Primary School ", kind="school", duty="s175", contact_email=" DSL@Westfield.Example "
    )

    stored = db.session.get(Agency, agency.id)
    assert (stored.name, stored.kind, stored.duty) == (
        "Westfield Primary School",
        AgencyKind.SCHOOL,
        StatutoryDuty.S175,
    )
    assert stored.contact_email == "dsl@westfield.example"
    assert stored.is_active is True and stored.version == 1


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"name": "", "kind": "police"}, "name", "Enter the agency's name"),
        ({"name": "   ", "kind": "police"}, "name", "Enter the agency's name"),
        ({"name": None, "kind": "police"}, "name", "Enter the agency's name"),
        ({"name": "x" * 201, "kind": "police"}, "name", "200 characters or fewer"),
        ({"name": "Spaceport", "kind": "spaceship"}, "kind", "Select what kind of agency it is"),
        ({"name": "Spaceport", "kind": None}, "kind", "Select what kind of agency it is"),
        ({"name": "Spaceport", "kind": "police", "duty": "s99"}, "duty", "Select the agency's statutory duty"),
    ],
)
def test_create_agency_refuses_bad_values_naming_the_field(app_ctx, db, values, field, message):
    with pytest.raises(ValidationError) as caught:
        operations.create_agency(**values)

    assert message in caught.value.details[field]
    assert db.session.scalar(select(Agency).where(Agency.name == "Spaceport")) is None


def test_create_agency_reports_every_bad_field_at_once(app_ctx, db):
    with pytest.raises(ValidationError) as caught:
        operations.create_agency(name="", kind="spaceship", duty="s99")

    assert set(caught.value.details) == {"name", "kind", "duty"}


def test_create_agency_refuses_a_duplicate_name_ignoring_case(app_ctx, db):
    operations.create_agency(name="Northmoor Police", kind="police")

    with pytest.raises(ValidationError) as caught:
        operations.create_agency(name="  NORTHMOOR police ", kind="police")

    assert caught.value.details == {"name": "An agency called NORTHMOOR police already exists"}
    assert db.session.scalar(select(Agency.id).where(Agency.name.ilike("northmoor police"))) is not None
    assert len(db.session.scalars(select(Agency).where(Agency.name.ilike("northmoor police"))).all()) == 1


def test_a_duplicate_non_ascii_name_is_a_validation_error_not_a_database_error(app_ctx, db):
    operations.create_agency(name="École Saint-Éloi", kind="school")

    for name in ("École Saint-Éloi", "ÉCOLE SAINT-ÉLOI"):
        with pytest.raises(ValidationError) as caught:
            operations.create_agency(name=name, kind="school")
        assert "already exists" in caught.value.details["name"]


def test_update_agency_changes_values_and_bumps_the_version(app_ctx, db):
    agency = AgencyFactory(name="Old Name", kind=AgencyKind.POLICE, duty=StatutoryDuty.S11)

    operations.update_agency(
        agency, expected_version=1, name="New Name", kind="probation", duty="none", is_active=False
    )

    db.session.expire_all()
    stored = db.session.get(Agency, agency.id)
    assert (stored.name, stored.kind, stored.duty, stored.is_active) == (
        "New Name",
        AgencyKind.PROBATION,
        StatutoryDuty.NONE,
        False,
    )
    assert stored.version == 2


def test_update_agency_allows_its_own_name_in_another_case_but_not_another_agencys(app_ctx, db):
    agency = AgencyFactory(name="Millbrook Surgery")
    AgencyFactory(name="Castlegate Practice")

    operations.update_agency(agency, name="MILLBROOK SURGERY")
    with pytest.raises(ValidationError) as caught:
        operations.update_agency(agency, name="castlegate practice")

    assert "already exists" in caught.value.details["name"]


def test_update_agency_refuses_unknown_kind_and_changes_nothing(app_ctx, db):
    agency = AgencyFactory(name="Harbour Light", kind=AgencyKind.VOLUNTARY_SECTOR)

    with pytest.raises(ValidationError) as caught:
        operations.update_agency(agency, name="Renamed", kind="spaceship")

    assert set(caught.value.details) == {"kind"}
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).name == "Harbour Light"


def test_update_agency_with_a_stale_version_raises_conflict_and_changes_nothing(app_ctx, db):
    agency = AgencyFactory(name="Original")
    operations.update_agency(agency, expected_version=1, name="First save")

    with pytest.raises(ConflictError) as caught:
        operations.update_agency(agency, expected_version=1, name="Second save", is_active=False)

    assert caught.value.details == {"current_version": 2}
    assert "Someone else changed this agency" in caught.value.message
    db.session.expire_all()
    stored = db.session.get(Agency, agency.id)
    assert (stored.name, stored.is_active, stored.version) == ("First save", True, 2)


# --- Users ---------------------------------------------------------------------------------------------------------
def test_create_user_with_a_password_stores_a_hash_and_a_lower_case_email(app_ctx, db):
    agency = AgencyFactory()

    user = operations.create_user(
        email=" Sam.Tester@Example.ORG ",
        name=" Sam Tester ",
        role="agency_auditor",
        agency_id=agency.id,
        password=STRONG,
    )

    assert (user.email, user.name, user.role, user.agency_id) == (
        "sam.tester@example.org",
        "Sam Tester",
        Role.AGENCY_AUDITOR,
        agency.id,
    )
    assert user.password_hash != STRONG and verify_password(user.password_hash, STRONG)
    assert user.password_changed_at is not None


def test_create_user_without_a_password_has_none(app_ctx, db):
    user = operations.create_user(email="new@example.org", name="New Person", role="scrutineer")

    assert user.password_hash is None and not user.has_password


@pytest.mark.parametrize("role", ["agency_auditor", "agency_lead"])
def test_agency_roles_need_an_existing_agency(app_ctx, db, role):
    with pytest.raises(ValidationError) as missing:
        operations.create_user(email="a@example.org", name="A Person", role=role)
    with pytest.raises(ValidationError) as unknown:
        operations.create_user(email="a@example.org", name="A Person", role=role, agency_id=999_999)

    assert missing.value.details == {"agency_id": "Select the agency this user audits for"}
    assert unknown.value.details == {"agency_id": "Select an agency from the list"}


@pytest.mark.parametrize("role", ["admin", "scrutineer", "board_viewer"])
def test_the_agency_is_ignored_for_partnership_roles(app_ctx, db, role):
    agency = AgencyFactory()

    user = operations.create_user(email="p@example.org", name="Partner", role=role, agency_id=agency.id)

    assert user.agency_id is None


def test_create_user_refuses_unknown_role_and_bad_email(app_ctx, db):
    with pytest.raises(ValidationError) as caught:
        operations.create_user(email="not-an-address", name="", role="overlord")

    assert set(caught.value.details) == {"email", "name", "role"}


def test_create_user_refuses_a_duplicate_email_in_any_case(app_ctx, db):
    UserFactory(email="sam@example.org")

    with pytest.raises(ValidationError) as caught:
        operations.create_user(email="  SAM@Example.Org", name="Another Sam", role="admin")

    assert caught.value.details == {"email": "A user with this e-mail address already exists"}
    assert len(db.session.scalars(select(User).where(User.email == "sam@example.org")).all()) == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short words", "Password must be 12 characters or more"),
        ("x" * 129, "Password must be 128 characters or fewer"),
        ("password1234", "too common"),
        ("1qaz2wsx3edc", "too common"),
        ("abababababababab", "too common"),
        ("robin.ashdown is my password", "must not contain your e-mail address or name"),
        ("hello Robin Ashdown again", "must not contain your e-mail address or name"),
    ],
)
def test_create_user_refuses_weak_passwords(app_ctx, db, password, message):
    with pytest.raises(ValidationError) as caught:
        operations.create_user(email="robin.ashdown@example.org", name="Robin Ashdown", role="admin", password=password)

    assert message in caught.value.details["password"]
    assert db.session.scalar(select(User).where(User.email == "robin.ashdown@example.org")) is None


def test_passwords_at_the_length_limits_are_accepted(app_ctx, db):
    twelve = operations.create_user(email="a12@example.org", name="Twelve", role="admin", password="kite marsh 7")
    phrase = ("lantern quiet harbour " * 6)[:128]
    longest = operations.create_user(email="a128@example.org", name="Longest", role="admin", password=phrase)

    assert verify_password(twelve.password_hash, "kite marsh 7")
    assert len(phrase) == 128 and verify_password(longest.password_hash, phrase)


def test_update_user_with_a_stale_version_raises_conflict_and_changes_nothing(app_ctx, db):
    user = UserFactory(name="Before", role=Role.SCRUTINEER)
    operations.update_user(user, expected_version=1, name="First save")

    with pytest.raises(ConflictError):
        operations.update_user(user, expected_version=1, name="Second save", role="admin")

    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert (stored.name, stored.role, stored.version) == ("First save", Role.SCRUTINEER, 2)


def test_a_role_change_bumps_the_session_version_but_a_name_change_does_not(app_ctx, db):
    user = UserFactory(role=Role.SCRUTINEER)
    before = user.session_version

    operations.update_user(user, name="Renamed Person")
    assert user.session_version == before

    operations.update_user(user, role="board_viewer")
    assert user.session_version == before + 1


def test_moving_an_agency_user_to_another_agency_bumps_the_session_version(app_ctx, db):
    first, second = AgencyFactory(), AgencyFactory()
    user = UserFactory(role=Role.AGENCY_AUDITOR, agency=first)
    before = user.session_version

    operations.update_user(user, agency_id=second.id)

    assert (user.agency_id, user.session_version) == (second.id, before + 1)


def test_deactivating_bumps_the_session_version_and_revokes_api_tokens(app_ctx, db):
    user = UserFactory()
    _, token = operations.issue_api_token(user)
    assert operations.user_for_api_token(token) == user
    before = user.session_version

    operations.set_user_active(user, False)

    assert user.is_active is False and user.session_version == before + 1
    assert operations.user_for_api_token(token) is None
    assert db.session.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == user.id)) is not None


def test_reactivating_does_not_revive_revoked_tokens(app_ctx, db):
    user = UserFactory()
    _, token = operations.issue_api_token(user)
    operations.set_user_active(user, False)
    version = user.session_version

    operations.set_user_active(user, True)

    assert user.is_active is True and user.session_version == version
    assert operations.user_for_api_token(token) is None
