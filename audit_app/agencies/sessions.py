"""Web sessions: loading the user, starting a fresh session at sign-in, idle and absolute timeouts."""

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from audit_app.agencies.models.users import User
from audit_app.core.audit import set_actor
from audit_app.core.db import get_by_id
from audit_app.extensions import db, login_manager

#: Endpoints a user who must change their password may still reach.
PASSWORD_CHANGE_ALLOWED = frozenset({"agencies.password_change", "agencies.logout", "static"})


@login_manager.user_loader
def load_user(session_id):
    """Load the user from ``"<id>:<session version>"``; an old version (signed out elsewhere) loads nobody."""
    user_id, _, version = str(session_id).partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = get_by_id(db.session, User, user_id)
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def start_session(user):
    """Sign ``user`` in on a brand-new session (no data carried over from before sign-in)."""
    session.clear()
    login_user(user)
    session.permanent = True
    now = int(time.time())
    session["login_at"] = now
    session["seen_at"] = now


def end_session():
    """Sign out of this browser."""
    logout_user()
    session.clear()


def enforce_session_timeouts():
    """Before each web request: end idle or too-old sessions, and send users with a one-time password to change it."""
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    idle = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    absolute = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    if now - session.get("seen_at", 0) > idle or now - session.get("login_at", 0) > absolute:
        end_session()
        flash("You were signed out because you had not used Assure for a while. Sign in again to continue.")
        return redirect(url_for("agencies.login"))
    session["seen_at"] = now
    set_actor(current_user, remote_addr=request.remote_addr, channel="web")
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ALLOWED:
        flash("Choose a new password before you continue.")
        return redirect(url_for("agencies.password_change"))
    return None
