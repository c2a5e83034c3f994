"""The partnership, its agencies and users: sign-in, invitations, passwords, roles."""

from audit_app.extensions import login_manager

login_manager.login_view = "agencies.login"
login_manager.login_message = "Sign in to continue."
login_manager.session_protection = None  # our own session version and timeouts end sessions; see sessions.py
