"""State changes for the partnership, agencies, users and credentials. Operations flush, never commit."""

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from audit_app.agencies.models.agencies import Agency, AgencyKind, Partnership, StatutoryDuty
from audit_app.agencies.models.users import ApiToken, LinkPurpose, LoginAttempt, PasswordLink, User
from audit_app.agencies.passwords import hash_password, password_problems, verify_dummy, verify_password
from audit_app.agencies.queries import get_agency
from audit_app.core.audit import record_event
from audit_app.core.errors import DomainError, TooManyAttempts, ValidationError, check_version
from audit_app.core.mail import queue_email
from audit_app.core.models.base import utcnow
from audit_app.core.permissions import AGENCY_ROLES, Role
from audit_app.extensions import db

logger = logging.getLogger(__name__)


def _hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email):
    """E-mail addresses are compared and stored lower-case without surrounding spaces."""
    return (email or "").strip().lower()


def _check_version(obj, expected_version):
    check_version(
        expected_version,
        obj.version,
        f"Someone else changed this {type(obj).__name__.lower()} while you were editing it. "
        "Reload to see their changes, then make yours again.",
    )


def create_partnership(name, *, area=None, contact_email=None):
    """Create the deployment's partnership record.

    :return: the new ``Partnership``.
    """
    partnership = Partnership(name=name.strip(), area=area, contact_email=contact_email)
    db.session.add(partnership)
    db.session.flush()
    return partnership


def _agency_name_taken(name, exclude_id=None):
    # The database lowers both sides: SQLite's lower() only folds ASCII, and Python's would miss an exact match.
    query = select(Agency.id).where(func.lower(Agency.name) == func.lower(name.strip()))
    if exclude_id is not None:
        query = query.where(Agency.id != exclude_id)
    return db.session.scalar(query) is not None


def create_agency(*, name, kind, duty=StatutoryDuty.NONE, is_active=True, contact_email=None, notes=None):
    """Add an agency to the partnership.

    :param kind: an ``AgencyKind`` or its value.
    :param duty: a ``StatutoryDuty`` or its value.
    :return: the new ``Agency``.
    :raises ValidationError: a blank or duplicate name, or an unknown kind or duty.
    """
    name = (name or "").strip()
    errors = _agency_errors(name, kind, duty)
    if not errors and _agency_name_taken(name):
        errors["name"] = f"An agency called {name} already exists"
    if errors:
        raise ValidationError("The agency could not be saved.", details=errors)
    agency = Agency(
        name=name,
        kind=AgencyKind(kind),
        duty=StatutoryDuty(duty),
        is_active=is_active,
        contact_email=normalise_email(contact_email) or None,
        notes=notes or None,
    )
    db.session.add(agency)
    db.session.flush()
    return agency


def _agency_errors(name, kind, duty):
    errors = {}
    if not name:
        errors["name"] = "Enter the agency's name"
    elif len(name) > 200:
        errors["name"] = "Agency name must be 200 characters or fewer"
    if kind not in {k.value for k in AgencyKind}:
        errors["kind"] = "Select what kind of agency it is"
    if duty not in {d.value for d in StatutoryDuty}:
        errors["duty"] = "Select the agency's statutory duty"
    return errors


def update_agency(agency, *, expected_version=None, **changes):
    """Change an agency's details.

    :param expected_version: the version the editor started from; a stale one raises ``ConflictError``.
    :param changes: any of ``name``, ``kind``, ``duty``, ``is_active``, ``contact_email``, ``notes``.
    :return: the agency.
    :raises ConflictError: someone else saved first.
    :raises ValidationError: bad values.
    """
    _check_version(agency, expected_version)
    name = changes.get("name", agency.name).strip()
    kind = changes.get("kind", agency.kind)
    duty = changes.get("duty", agency.duty)
    errors = _agency_errors(name, str(kind), str(duty))
    if not errors and _agency_name_taken(name, exclude_id=agency.id):
        errors["name"] = f"An agency called {name} already exists"
    if errors:
        raise ValidationError("The agency could not be saved.", details=errors)
    agency.name, agency.kind, agency.duty = name, AgencyKind(kind), StatutoryDuty(duty)
    for key in ("is_active", "notes"):
        if key in changes:
            setattr(agency, key, changes[key])
    if "contact_email" in changes:
        agency.contact_email = normalise_email(changes["contact_email"]) or None
    db.session.flush()
    return agency


def _user_errors(email, name, role, agency_id, exclude_id=None):
    errors = {}
    if not email or "@" not in email or len(email) > 254:
        errors["email"] = "Enter an e-mail address in the correct format, like name@example.org"
    elif db.session.scalar(select(User.id).where(User.email == email, User.id != (exclude_id or 0))) is not None:
        errors["email"] = "A user with this e-mail address already exists"
    if not name:
        errors["name"] = "Enter the user's full name"
    elif len(name) > 200:
        errors["name"] = "Name must be 200 characters or fewer"
    if role not in {r.value for r in Role}:
        errors["role"] = "Select the user's role"
    elif Role(role) in AGENCY_ROLES:
        if not agency_id:
            errors["agency_id"] = "Select the agency this user audits for"
        elif get_agency(int(agency_id)) is None:
            errors["agency_id"] = "Select an agency from the list"
    return errors


def create_user(*, email, name, role, agency_id=None, password=None, must_change_password=False):
    """Create a user. Without a password the user must be invited to set one.

    :param role: a ``Role`` or its value.
    :param agency_id: required for agency roles, ignored for the others.
    :return: the new ``User``.
    :raises ValidationError: bad or duplicate e-mail, missing agency, weak password.
    """
    email, name, role = normalise_email(email), (name or "").strip(), str(role)
    errors = _user_errors(email, name, role, agency_id)
    if password is not None:
        problems = password_problems(password, email=email, name=name)
        if problems:
            errors["password"] = problems[0]
    if errors:
        raise ValidationError("The user could not be saved.", details=errors)
    user = User(
        email=email,
        name=name,
        role=Role(role),
        agency_id=int(agency_id) if Role(role) in AGENCY_ROLES else None,
        must_change_password=must_change_password,
    )
    if password is not None:
        user.password_hash, user.password_changed_at = hash_password(password), utcnow()
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user, *, expected_version=None, **changes):
    """Change a user's name, e-mail, role or agency.

    :return: the user.
    :raises ConflictError: someone else saved first.
    :raises ValidationError: bad values.
    """
    _check_version(user, expected_version)
    email = normalise_email(changes.get("email", user.email))
    name = (changes.get("name", user.name) or "").strip()
    role = str(changes.get("role", user.role))
    agency_id = changes.get("agency_id", user.agency_id)
    errors = _user_errors(email, name, role, agency_id, exclude_id=user.id)
    if errors:
        raise ValidationError("The user could not be saved.", details=errors)
    role_or_agency_changed = Role(role) != user.role or (agency_id and int(agency_id) != user.agency_id)
    user.email, user.name, user.role = email, name, Role(role)
    user.agency_id = int(agency_id) if Role(role) in AGENCY_ROLES else None
    if role_or_agency_changed:
        user.session_version += 1  # a change of rights takes effect at once
    db.session.flush()
    return user


def set_user_active(user, is_active):
    """Deactivate (ending every session and API token) or reactivate a user.

    :return: the user.
    """
    if user.is_active == is_active:
        return user
    user.is_active = is_active
    if not is_active:
        user.session_version += 1
        revoke_api_tokens(user)
    db.session.flush()
    return user


def _issue_link(user, purpose, lifetime):
    token = secrets.token_urlsafe(32)
    # Earlier unused links of the same purpose stop working: only the newest link is valid.
    for link in db.session.scalars(
        select(PasswordLink).where(
            PasswordLink.user_id == user.id, PasswordLink.purpose == purpose, PasswordLink.used_at.is_(None)
        )
    ):
        link.used_at = utcnow()
    link = PasswordLink(user_id=user.id, token_hash=_hash_token(token), purpose=purpose, expires_at=utcnow() + lifetime)
    db.session.add(link)
    db.session.flush()
    return link, token


def invite_user(user, *, invited_by=None):
    """E-mail the user a single-use link to set their password (valid for ``INVITE_LIFETIME``).

    :return: the ``PasswordLink`` (its token is only in the e-mail).
    """
    config = current_app.config
    link, token = _issue_link(user, LinkPurpose.INVITE, config["INVITE_LIFETIME"])
    hours = int(config["INVITE_LIFETIME"].total_seconds() // 3600)
    sender = invited_by.name if invited_by else "The partnership's business unit"
    queue_email(
        db.session,
        dedupe_key=f"invite:{user.id}:{link.id}",
        kind="invite",
        recipient=user.email,
        user_id=user.id,
        subject=f"You have been invited to Assure, {_partnership_name()}",
        body=(
            f"Hello {user.name},\n\n{sender} has given you an account on Assure, the audit and assurance platform "
            f"of {_partnership_name()}, as {user.role_label.lower()}.\n\n"
            f"Set your password here within {hours} hours:\n{config['BASE_URL']}/set-password/{token}\n\n"
            "The link works once. If it has expired, ask the business unit for a new invitation.\n"
        ),
    )
    record_event(db.session, "user.invited", user, summary=f"Invitation sent to {user.email}")
    return link


def request_password_reset(email):
    """E-mail a reset link if an active account has this address; say nothing either way (no enumeration).

    :return: the ``PasswordLink`` or None.
    """
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        return None
    config = current_app.config
    link, token = _issue_link(user, LinkPurpose.RESET, config["RESET_LIFETIME"])
    minutes = int(config["RESET_LIFETIME"].total_seconds() // 60)
    queue_email(
        db.session,
        dedupe_key=f"reset:{user.id}:{link.id}",
        kind="password_reset",
        recipient=user.email,
        user_id=user.id,
        subject="Reset your Assure password",
        body=(
            f"Hello {user.name},\n\nSomeone asked to reset the password of your Assure account. If it was you, "
            f"choose a new password within {minutes} minutes:\n{config['BASE_URL']}/set-password/{token}\n\n"
            "If it was not you, ignore this e-mail: your password has not changed.\n"
        ),
    )
    record_event(db.session, "user.password_reset_requested", user)
    return link


def find_valid_link(token):
    """The unused, unexpired link for ``token``, or None."""
    if not token or len(token) > 200:
        return None
    link = db.session.scalar(select(PasswordLink).where(PasswordLink.token_hash == _hash_token(token)))
    if link is None or link.used_at is not None or link.expires_at <= utcnow() or not link.user.is_active:
        return None
    return link


def set_password_with_link(token, password):
    """Set a password through an invitation or reset link, which is then used up.

    :return: the user.
    :raises DomainError: the link is unknown, used or expired.
    :raises ValidationError: the password breaks the policy.
    """
    link = find_valid_link(token)
    if link is None:
        raise DomainError("This link has expired or has already been used. Ask for a new one.")
    _set_password(link.user, password)
    link.used_at = utcnow()
    db.session.flush()
    return link.user


def change_password(user, current_password, new_password):
    """Change a signed-in user's password after checking the current one; ends the user's other sessions.

    :raises ValidationError: wrong current password or a new one that breaks the policy.
    """
    if not verify_password(user.password_hash, current_password):
        raise ValidationError(
            "The password could not be changed.", details={"current_password": "Current password is wrong"}
        )
    if new_password == current_password:
        raise ValidationError(
            "The password could not be changed.",
            details={"password": "New password must be different from your current password"},
        )
    _set_password(user, new_password)
    return user


def set_password(user, password):
    """Set a password directly (administrators' command line).

    :raises ValidationError: the password breaks the policy.
    """
    _set_password(user, password)
    return user


def _set_password(user, password, field="password"):
    problems = password_problems(password, email=user.email, name=user.name)
    if problems:
        raise ValidationError("The password could not be set.", details={field: problems[0]})
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    user.session_version += 1
    db.session.flush()


def _count_failures(column, value, since):
    return db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at >= since
        )
    )


def authenticate(email, password, *, remote_addr=None):
    """Check a sign-in, throttled per account and per address, recording the attempt.

    :return: the ``User`` when the e-mail and password match an active account, otherwise None.
    :raises TooManyAttempts: too many recent failures for this account or address.
    """
    config = current_app.config
    email = normalise_email(email)[:254]
    since = utcnow() - config["LOGIN_WINDOW"]
    minutes = int(config["LOGIN_WINDOW"].total_seconds() // 60)
    if _count_failures(LoginAttempt.email, email, since) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] or (
        remote_addr
        and _count_failures(LoginAttempt.remote_addr, remote_addr, since) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    ):
        record_event(db.session, "auth.login_throttled", outcome="denied", summary=f"Sign-in throttled for {email}")
        raise TooManyAttempts(f"Too many failed sign-in attempts. Wait {minutes} minutes, then try again.")
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        verify_dummy(password)
    ok = user is not None and user.is_active and verify_password(user.password_hash, password)
    db.session.add(LoginAttempt(email=email, remote_addr=remote_addr, succeeded=ok))
    if not ok:
        record_event(db.session, "auth.login_failed", outcome="failure", summary=f"Failed sign-in for {email}")
        db.session.flush()
        return None
    user.last_login_at = utcnow()
    record_event(db.session, "auth.login", user, actor=user)
    db.session.flush()
    return user


def sign_out(user):
    """End every session of the user (the session version changes)."""
    user.session_version += 1
    record_event(db.session, "auth.logout", user, actor=user)
    db.session.flush()


def issue_api_token(user):
    """Create an API token for ``user``.

    :return: ``(ApiToken, token)``; the plain token is shown once and never stored.
    """
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, token_hash=_hash_token(token), expires_at=utcnow() + current_app.config["API_TOKEN_LIFETIME"]
    )
    db.session.add(row)
    record_event(db.session, "api_token.issued", user, actor=user)
    db.session.flush()
    return row, token


def user_for_api_token(token):
    """The active user of an unexpired, unrevoked token, or None."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row.user


def revoke_api_token(token):
    """Revoke one token. :return: True if a live token was revoked."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token or "")))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    db.session.flush()
    return True


def revoke_api_tokens(user):
    """Revoke every live token of ``user``."""
    for row in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        row.revoked_at = utcnow()


def purge_old_credentials(now):
    """Delete sign-in attempts, links and tokens that expired more than 30 days ago.

    :return: how many rows were deleted.
    """
    cutoff = now - timedelta(days=30)
    deleted = 0
    for model, column in (
        (LoginAttempt, LoginAttempt.created_at),
        (PasswordLink, PasswordLink.expires_at),
        (ApiToken, ApiToken.expires_at),
    ):
        deleted += db.session.execute(model.__table__.delete().where(column < cutoff)).rowcount
    return deleted


def _partnership_name():
    partnership = db.session.scalar(select(Partnership).order_by(Partnership.id).limit(1))
    return partnership.name if partnership else current_app.config["PARTNERSHIP_NAME"]
