"""The one access-control policy: ``can(user, action, obj)``, asked by views, the API and jobs alike.

Rules are data: each action names the roles allowed and, where it concerns one agency's object, whether agency
roles are limited to their own agency. Objects of another agency are reported as not found, never as forbidden,
so that their existence is not revealed.
"""

import enum

from audit_app.core.errors import Forbidden, NotFound


class Role(enum.StrEnum):
    """A user's role. Agency roles belong to one agency."""

    ADMIN = "admin"
    AGENCY_AUDITOR = "agency_auditor"
    AGENCY_LEAD = "agency_lead"
    SCRUTINEER = "scrutineer"
    BOARD_VIEWER = "board_viewer"

    @property
    def label(self):
        return ROLE_LABELS[self]

    @property
    def is_agency_role(self):
        return self in AGENCY_ROLES


ROLE_LABELS = {
    Role.ADMIN: "Administrator (business unit)",
    Role.AGENCY_AUDITOR: "Agency auditor",
    Role.AGENCY_LEAD: "Agency safeguarding lead",
    Role.SCRUTINEER: "Independent scrutineer",
    Role.BOARD_VIEWER: "Board or subgroup member (view only)",
}
AGENCY_ROLES = frozenset({Role.AGENCY_AUDITOR, Role.AGENCY_LEAD})
EVERYONE = frozenset(Role)


class Rule:
    """Who may do an action: the roles, and whether agency roles are held to their own agency's objects."""

    def __init__(self, roles, *, own_agency=False):
        self.roles = frozenset(roles)
        self.own_agency = own_agency

    def allows(self, user, obj):
        role = Role(user.role)
        if role not in self.roles:
            return False
        if self.own_agency and role in AGENCY_ROLES and obj is not None:
            return getattr(obj, "agency_id", None) == user.agency_id
        return True


#: action -> rule. Features add their actions here, so that the whole policy reads in one place.
POLICY = {
    "admin.access": Rule({Role.ADMIN}),
    "agencies.manage": Rule({Role.ADMIN}),
    "users.manage": Rule({Role.ADMIN}),
    "audit_trail.view": Rule({Role.ADMIN}),
    "outbox.view": Rule({Role.ADMIN}),
    "agencies.list": Rule({Role.ADMIN, Role.SCRUTINEER, Role.BOARD_VIEWER, *AGENCY_ROLES}),
    "account.use": Rule(EVERYONE),
    # Audit tools: templates hold no case data; designers are the business unit.
    "templates.view": Rule({Role.ADMIN, Role.SCRUTINEER, *AGENCY_ROLES}),
    "templates.manage": Rule({Role.ADMIN}),
    # Cycles and returns. Board viewers never see returns; agency roles only their own agency's.
    "cycles.view": Rule({Role.ADMIN, Role.SCRUTINEER}),
    "cycles.manage": Rule({Role.ADMIN}),
    "returns.own": Rule(AGENCY_ROLES),
    "returns.view": Rule({Role.ADMIN, Role.SCRUTINEER, *AGENCY_ROLES}, own_agency=True),
    "returns.edit": Rule(AGENCY_ROLES, own_agency=True),
    "returns.sign_off": Rule({Role.AGENCY_LEAD}, own_agency=True),
    "returns.reassign": Rule({Role.AGENCY_LEAD}, own_agency=True),
    "returns.review": Rule({Role.ADMIN, Role.SCRUTINEER}),
}


def can(user, action, obj=None):
    """Whether ``user`` may do ``action`` (on ``obj``).

    :param user: a user with ``role``, ``agency_id`` and ``is_active``; None or anonymous users may do nothing.
    :param action: a key of ``POLICY``.
    :param obj: the object concerned, if any.
    :return: True when allowed.
    :raises KeyError: for an action the policy does not know (a programming error, not a user error).
    """
    rule = POLICY[action]
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return rule.allows(user, obj)


def is_hidden_from(user, obj):
    """Whether ``obj`` belongs to another agency than an agency user's own (so must look like it does not exist)."""
    role = Role(user.role)
    return role in AGENCY_ROLES and getattr(obj, "agency_id", user.agency_id) != user.agency_id


def require(user, action, obj=None):
    """Raise unless ``can(user, action, obj)``: ``NotFound`` for another agency's object, else ``Forbidden``.

    :raises NotFound: the object belongs to another agency.
    :raises Forbidden: the role may not do this.
    """
    if can(user, action, obj):
        return
    if obj is not None and user is not None and getattr(user, "is_authenticated", False) and is_hidden_from(user, obj):
        raise NotFound("Not found.")
    raise Forbidden("You do not have permission to do that.")
