"""The command line: users create and set-password, agencies import, demo load."""

import re
from collections import Counter

import openpyxl
import pytest
from sqlalchemy import func, select

from audit_app.agencies.demo import ADMIN_EMAIL, PARTNERSHIP
from audit_app.agencies.models.agencies import Agency, AgencyKind, Partnership
from audit_app.agencies.models.users import User
from audit_app.agencies.passwords import verify_password
from audit_app.core.permissions import Role
from tests.factories import AgencyFactory, UserFactory

STRONG = "velvet badger sings at dawn"


@pytest.fixture
def cli(app, app_ctx):
    """Run ``flask <args>`` against the test app (its commands commit through the test's session)."""
    runner = app.test_cli_runner()

    def _run(*args):
        return runner.invoke(args=[str(a) for a in args])

    return _run


def _user(db, email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


# --- users ---------------------------------------------------------------------------------------------------------
def test_users_create_makes_a_user_with_a_password(cli, db):
    agency = AgencyFactory()
    db.session.commit()

    result = cli(
        "users",
        "create",
        "--email",
        "Lead@Example.org",
        "--name",
        "Lee Lead",
        "--role",
        "agency_lead",
        "--agency-id",
        agency.id,
        "--password",
        STRONG,
    )

    assert result.exit_code == 0, result.output
    user = _user(db, "lead@example.org")
    assert f"Created user {user.id}: lead@example.org (Agency safeguarding lead)" in result.output
    assert (user.role, user.agency_id) == (Role.AGENCY_LEAD, agency.id)
    assert verify_password(user.password_hash, STRONG)


def test_users_create_refuses_a_weak_password_with_a_clear_message(cli, db):
    result = cli(
        "users",
        "create",
        "--email",
        "weak@example.org",
        "--name",
        "Wes Weak",
        "--role",
        "admin",
        "--password",
        "password1234",
    )

    assert result.exit_code != 0
    assert "The user could not be saved." in result.output
    assert "password: Password is too common or too easy to guess" in result.output
    assert _user(db, "weak@example.org") is None


def test_users_create_lists_every_problem(cli, db):
    UserFactory(email="taken@example.org")
    db.session.commit()

    result = cli(
        "users",
        "create",
        "--email",
        "taken@example.org",
        "--name",
        "Tam Taken",
        "--role",
        "agency_auditor",
        "--password",
        "short",
    )

    assert result.exit_code == 1
    assert "email: A user with this e-mail address already exists" in result.output
    assert "agency_id: Select the agency this user audits for" in result.output
    assert "password: Password must be 12 characters or more" in result.output


def test_users_create_refuses_an_unknown_role(cli, db):
    result = cli(
        "users", "create", "--email", "x@example.org", "--name", "X", "--role", "overlord", "--password", STRONG
    )

    assert result.exit_code == 2 and "overlord" in result.output


def test_users_set_password_sets_it_and_ends_sessions(cli, db):
    user = UserFactory(email="forgetful@example.org", must_change_password=True)
    db.session.commit()
    version = user.session_version

    result = cli("users", "set-password", "--email", "FORGETFUL@example.org", "--password", STRONG)

    assert result.exit_code == 0 and "Password set for forgetful@example.org" in result.output
    stored = _user(db, "forgetful@example.org")
    assert verify_password(stored.password_hash, STRONG)
    assert stored.session_version == version + 1 and stored.must_change_password is False


def test_users_set_password_refuses_weak_passwords_and_unknown_users(cli, db):
    UserFactory(email="someone@example.org")
    db.session.commit()

    weak = cli("users", "set-password", "--email", "someone@example.org", "--password", "someone@example.org!")
    unknown = cli("users", "set-password", "--email", "nobody@example.org", "--password", STRONG)

    assert weak.exit_code == 1 and "password: Password must not contain your e-mail address or name" in weak.output
    assert unknown.exit_code == 1 and "No user with the e-mail nobody@example.org" in unknown.output


# --- agencies import -------------------------------------------------------------------------------------------------
def _save(workdir, name, rows, header=("Name", "Kind", "Duty")):
    book = openpyxl.Workbook()
    book.active.title = "Agencies"
    for row in (header, *rows):
        book.active.append(row)
    path = workdir / name
    book.save(path)
    return path


def test_agencies_import_creates_and_updates(cli, db, workdir):
    AgencyFactory(name="Castlegate Medical Practice", kind=AgencyKind.GP_PRACTICE)
    db.session.commit()
    path = _save(
        workdir,
        "cli-good.xlsx",
        [("Castlegate medical practice", "gp_practice", "s11"), ("Northmoor College", "college", "s175")],
    )

    result = cli("agencies", "import", path)

    assert result.exit_code == 0, result.output
    assert "Agencies imported: 1 added, 1 updated." in result.output
    assert db.session.scalar(select(func.count(Agency.id))) == 2


def test_agencies_import_lists_the_problems_and_imports_nothing(cli, db, workdir):
    path = _save(
        workdir,
        "cli-bad.xlsx",
        [(None, "police", "s11"), ("Fine Agency", "police", "s11"), ("Alpha", "spaceship", "nonsense")],
    )

    result = cli("agencies", "import", path)

    assert result.exit_code == 1
    assert "3 problem(s); nothing imported:" in result.output
    assert "sheet 'Agencies', row 2, column A: Enter the agency's name" in result.output
    assert "sheet 'Agencies', row 4, column B: Unknown kind 'spaceship'" in result.output
    assert "sheet 'Agencies', row 4, column C: Duty must be S11, S175 or none" in result.output
    assert db.session.scalar(select(func.count(Agency.id))) == 0


def test_agencies_import_refuses_a_file_that_is_not_a_workbook(cli, db, workdir):
    path = workdir / "agencies.csv"
    path.write_text("Name,Kind\nAlpha,police\n")

    result = cli("agencies", "import", path)

    assert result.exit_code == 1 and "The file must be an Excel workbook (.xlsx)." in result.output


# --- demo load -------------------------------------------------------------------------------------------------------
def _demo_counts(db):
    return (
        db.session.scalar(select(func.count(Partnership.id))),
        db.session.scalar(select(func.count(Agency.id))),
        db.session.scalar(select(func.count(User.id))),
    )


def test_demo_load_creates_the_demo_partnership_once(cli, db):
    result = cli("demo", "load")

    assert result.exit_code == 0, result.output
    assert f"Admin sign-in:  {ADMIN_EMAIL}" in result.output
    password = re.search(r"One-time password .*: (\S+)", result.output).group(1)
    admin = _user(db, ADMIN_EMAIL)
    assert admin.role == Role.ADMIN and admin.must_change_password is True
    assert verify_password(admin.password_hash, password)
    assert db.session.scalar(select(Partnership.name)) == PARTNERSHIP
    kinds = Counter(db.session.scalars(select(Agency.kind)))
    assert sum(kinds.values()) == 21
    assert (kinds[AgencyKind.SCHOOL], kinds[AgencyKind.COLLEGE]) == (5, 1)
    assert (kinds[AgencyKind.EARLY_YEARS], kinds[AgencyKind.CHILDMINDER]) == (2, 1)
    assert set(db.session.scalars(select(User.role))) == set(Role)
    agencies_without_users = db.session.scalars(select(Agency.name).where(~Agency.users.any())).all()
    assert agencies_without_users == []
    before = _demo_counts(db)

    again = cli("demo", "load")

    assert again.exit_code == 0 and "Demo data already present; nothing changed." in again.output
    assert _demo_counts(db) == before
    assert verify_password(_user(db, ADMIN_EMAIL).password_hash, password)
