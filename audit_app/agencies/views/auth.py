"""Sign in, sign out, forgotten and changed passwords."""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from audit_app.agencies import operations
from audit_app.agencies.forms import ForgotPasswordForm, LoginForm, PasswordChangeForm, SetPasswordForm
from audit_app.agencies.sessions import end_session, start_session
from audit_app.core.errors import DomainError, TooManyAttempts, ValidationError
from audit_app.extensions import db
from audit_app.web.forms import apply_errors


def _safe_next(target):
    """Only same-site relative paths are followed after sign-in."""
    # Browsers read "/\host" and "/<tab>/host" as "//host", so backslashes and control characters are refused too.
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in target)
        or urlsplit(target).netloc
    ):
        return url_for("web.home")
    return target


def login():
    """Sign in. Failures say the same thing whether or not the e-mail exists."""
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = operations.authenticate(form.email.data, form.password.data, remote_addr=request.remote_addr)
        except TooManyAttempts as exc:
            db.session.commit()
            form.email.errors = [exc.message]
            return render_template("agencies/login.html", form=form), 429
        db.session.commit()
        if user is not None:
            start_session(user)
            return redirect(_safe_next(request.args.get("next")))
        form.email.errors = ["Enter a correct email address and password"]
        return render_template("agencies/login.html", form=form), 401
    return render_template("agencies/login.html", form=form), 400 if form.errors else 200


@login_required
def logout():
    """Sign out, ending every session of this user."""
    operations.sign_out(current_user)
    db.session.commit()
    end_session()
    return redirect(url_for("agencies.signed_out"))


def signed_out():
    """Confirmation that the user has signed out."""
    return render_template("agencies/signed_out.html")


def password_forgot():
    """Ask for a reset link; the answer never reveals whether the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("agencies/password_forgot_sent.html", email=form.email.data)
    return render_template("agencies/password_forgot.html", form=form), 400 if form.errors else 200


def password_set(token):
    """Set a password from an invitation or reset link."""
    link = operations.find_valid_link(token)
    if link is None:
        return render_template("agencies/password_link_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = operations.set_password_with_link(token, form.password.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash("Your password has been saved. Sign in with it now.", "success")
            return redirect(url_for("agencies.login", next=None) if user else url_for("web.home"))
    return render_template("agencies/password_set.html", form=form, user=link.user), 400 if form.errors else 200


@login_required
def password_change():
    """Change the signed-in user's password; other sessions end, this one continues."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            operations.change_password(current_user, form.current_password.data, form.password.data)
        except (ValidationError, DomainError) as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            start_session(current_user)
            flash("Your password has been changed.", "success")
            return redirect(url_for("web.home"))
    return render_template("agencies/password_change.html", form=form), 400 if form.errors else 200
