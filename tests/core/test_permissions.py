"""The access policy as an explicit table: every action x every role, written out here rather than derived from
``POLICY``, so a change to the policy must be made (and reviewed) in both places."""

import pytest

from audit_app.agencies.models.users import User
from audit_app.core.errors import Forbidden, NotFound
from audit_app.core.permissions import POLICY, Role, Rule, can, require

ADMIN, AUDITOR, LEAD, SCRUTINEER, BOARD = (
    Role.ADMIN, Role.AGENCY_AUDITOR, Role.AGENCY_LEAD, Role.SCRUTINEER, Role.BOARD_VIEWER,
)  # fmt: skip
ROLE_ORDER = (ADMIN, AUDITOR, LEAD, SCRUTINEER, BOARD)
Y, n = True, False

#: action -> allowed for (admin, agency auditor, agency lead, scrutineer, board viewer).
EXPECTED = {
    "admin.access":     (Y, n, n, n, n),
    "agencies.manage":  (Y, n, n, n, n),
    "users.manage":     (Y, n, n, n, n),
    "audit_trail.view": (Y, n, n, n, n),
    "outbox.view":      (Y, n, n, n, n),
    "agencies.list":    (Y, Y, Y, Y, Y),
    "account.use":      (Y, Y, Y, Y, Y),
    "templates.view":   (Y, Y, Y, Y, n),
    "templates.manage": (Y, n, n, n, n),
    "cycles.view":      (Y, n, n, Y, n),
    "cycles.manage":    (Y, n, n, n, n),
    "returns.own":      (n, Y, Y, n, n),
    "returns.view":     (Y, Y, Y, Y, n),
    "returns.edit":     (n, Y, Y, n, n),
    "returns.sign_off": (n, n, Y, n, n),
    "returns.reassign": (n, n, Y, n, n),
    "returns.review":   (Y, n, n, Y, n),
}  # fmt: skip
#: Actions on one agency's object: agency roles may do them only for their own agency.
OWN_AGENCY_ONLY = {"returns.view", "returns.edit", "returns.sign_off", "returns.reassign"}

CASES = [(action, role, allowed) for action, row in EXPECTED.items() for role, allowed in zip(ROLE_ORDER, row)]


def person(role, agency_id=None, *, is_active=True):
    """A real (unsaved) user: the policy needs only its role, agency and active flag."""
    return User(id=1, email="p@test.example", name="P", role=role, agency_id=agency_id, is_active=is_active)


def agency_id_for(role):
    return 10 if role in (AUDITOR, LEAD) else None


def test_the_table_covers_every_action_and_role():
    assert set(EXPECTED) == set(POLICY), "update EXPECTED when the policy gains or loses an action"
    assert set(ROLE_ORDER) == set(Role)


@pytest.mark.parametrize(("action", "role", "allowed"), CASES, ids=[f"{a}-{r.value}" for a, r, _ in CASES])
def test_can(action, role, allowed):
    assert can(person(role, agency_id_for(role)), action) is allowed


@pytest.mark.parametrize(("action", "role", "allowed"), CASES, ids=[f"{a}-{r.value}" for a, r, _ in CASES])
def test_can_on_an_own_agency_object(action, role, allowed):
    own_object = person(AUDITOR, agency_id=10)
    assert can(person(role, agency_id_for(role)), action, own_object) is allowed


@pytest.mark.parametrize(("action", "role", "allowed"), CASES, ids=[f"{a}-{r.value}" for a, r, _ in CASES])
def test_can_on_another_agencys_object(action, role, allowed):
    other_object = person(AUDITOR, agency_id=99)
    expected = allowed and not (role in (AUDITOR, LEAD) and action in OWN_AGENCY_ONLY)
    assert can(person(role, agency_id_for(role)), action, other_object) is expected


@pytest.mark.parametrize("action", sorted(OWN_AGENCY_ONLY))
@pytest.mark.parametrize("role", [AUDITOR, LEAD])
def test_require_answers_not_found_for_another_agencys_object(action, role):
    with pytest.raises(NotFound):
        require(person(role, agency_id=10), action, person(AUDITOR, agency_id=99))


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLE_ORDER)
def test_inactive_users_can_do_nothing(action, role):
    assert can(person(role, agency_id_for(role), is_active=False), action) is False


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_no_user_can_do_nothing(action):
    assert can(None, action) is False


def test_an_anonymous_user_can_do_nothing():
    from flask_login import AnonymousUserMixin

    for action in EXPECTED:
        assert can(AnonymousUserMixin(), action) is False


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError):
        can(person(ADMIN), "no.such.action")


def test_an_own_agency_rule_limits_agency_roles_to_their_agency():
    rule = Rule({AUDITOR, LEAD, SCRUTINEER}, own_agency=True)
    auditor = person(AUDITOR, agency_id=10)

    assert rule.allows(auditor, person(AUDITOR, agency_id=10)) is True
    assert rule.allows(auditor, person(AUDITOR, agency_id=11)) is False
    assert rule.allows(person(LEAD, agency_id=11), person(AUDITOR, agency_id=11)) is True
    # Roles that span the partnership are not tied to an agency.
    assert rule.allows(person(SCRUTINEER), person(AUDITOR, agency_id=11)) is True
    assert rule.allows(person(ADMIN), person(AUDITOR, agency_id=11)) is False


@pytest.mark.parametrize("role", [AUDITOR, LEAD])
def test_require_hides_another_agencys_object_from_agency_roles(role):
    other_agencys_user = person(AUDITOR, agency_id=99)

    with pytest.raises(NotFound):
        require(person(role, agency_id=10), "users.manage", other_agencys_user)


@pytest.mark.parametrize("role", [AUDITOR, LEAD])
def test_require_forbids_agency_roles_their_own_agencys_object(role):
    with pytest.raises(Forbidden):
        require(person(role, agency_id=10), "users.manage", person(AUDITOR, agency_id=10))


@pytest.mark.parametrize("role", [SCRUTINEER, BOARD])
def test_require_forbids_other_roles_even_for_another_agencys_object(role):
    with pytest.raises(Forbidden):
        require(person(role), "users.manage", person(AUDITOR, agency_id=99))


def test_require_forbids_without_an_object_and_for_no_user():
    with pytest.raises(Forbidden):
        require(person(AUDITOR, agency_id=10), "admin.access")
    with pytest.raises(Forbidden):
        require(None, "account.use", person(AUDITOR, agency_id=99))


@pytest.mark.parametrize(("action", "role", "allowed"), [c for c in CASES if c[2]], ids=lambda v: str(v))
def test_require_passes_when_allowed(action, role, allowed):
    assert require(person(role, agency_id_for(role)), action) is None
