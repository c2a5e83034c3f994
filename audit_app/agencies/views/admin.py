"""Administration of the partnership's agencies and users, the audit trail and the e-mail outbox."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from audit_app.agencies import operations, queries
from audit_app.agencies.forms import AgencyForm, ConfirmForm, UploadForm, UserForm
from audit_app.agencies.imports import import_agencies
from audit_app.core.errors import ValidationError
from audit_app.core.permissions import Role, require
from audit_app.extensions import db
from audit_app.util.spreadsheets import UploadRejected, WorkbookInvalid
from audit_app.web.forms import apply_errors, choices
from audit_app.web.pagination import paginate


def _load(getter, object_id):
    obj = getter(object_id)
    if obj is None:
        abort(404)
    return obj


@login_required
def agency_list():
    """All agencies with their kind, duty and number of users."""
    require(current_user, "agencies.manage")
    page = paginate(queries.query_agencies(search=request.args.get("q")), per_page=100)
    return render_template("agencies/agency_list.html", page=page, user_counts=queries.count_users_by_agency())


@login_required
def agency_create():
    """Add an agency."""
    require(current_user, "agencies.manage")
    form = AgencyForm()
    if form.validate_on_submit():
        try:
            agency = operations.create_agency(**_agency_values(form))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"{agency.name} has been added.", "success")
            return redirect(url_for("agencies.agency_list"))
    return render_template("agencies/agency_form.html", form=form, agency=None), 400 if form.errors else 200


@login_required
def agency_edit(agency_id):
    """Edit an agency; a stale edit (someone saved first) is refused, not overwritten."""
    require(current_user, "agencies.manage")
    agency = _load(queries.get_agency, agency_id)
    form = AgencyForm(obj=agency)
    if not form.is_submitted():
        form.kind.data, form.duty.data = agency.kind.value, agency.duty.value
    if form.validate_on_submit():
        try:
            operations.update_agency(agency, expected_version=form.version.data or None, **_agency_values(form))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"{agency.name} has been updated.", "success")
            return redirect(url_for("agencies.agency_list"))
    return render_template("agencies/agency_form.html", form=form, agency=agency), 400 if form.errors else 200


def _agency_values(form):
    return {
        "name": form.name.data,
        "kind": form.kind.data,
        "duty": form.duty.data,
        "is_active": form.is_active.data,
        "contact_email": form.contact_email.data,
        "notes": form.notes.data,
    }


@login_required
def agency_import():
    """Create or update agencies from an Excel workbook; every problem listed with sheet, row and column."""
    require(current_user, "agencies.manage")
    form, problems = UploadForm(), []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if not upload or not upload.filename:
                raise UploadRejected("Select an Excel workbook (.xlsx) to upload.")
            counts = import_agencies(upload.read(), filename=upload.filename)
        except UploadRejected as exc:
            form.file.errors = [str(exc)]
        except WorkbookInvalid as exc:
            problems = exc.problems
            form.file.errors = [f"The workbook has {len(problems)} problem(s). Nothing was imported."]
        else:
            db.session.commit()
            flash(f"Imported agencies: {counts['created']} added, {counts['updated']} updated.", "success")
            return redirect(url_for("agencies.agency_list"))
    status = 422 if problems else (400 if form.errors else 200)
    return render_template("agencies/agency_import.html", form=form, problems=problems), status


def _user_form(obj=None):
    form = UserForm(obj=obj)
    agencies = db.session.scalars(queries.query_agencies(active_only=True)).all()
    form.agency_id.choices = choices([("", "No agency")] + [(a.id, a.name) for a in agencies])
    if obj is not None and not form.is_submitted():
        form.role.data = obj.role.value
    return form


@login_required
def user_list():
    """Users, filterable by role, agency and whether active."""
    require(current_user, "users.manage")
    active = {"yes": True, "no": False}.get(request.args.get("active"))
    page = paginate(
        queries.query_users(role=request.args.get("role"), active=active, search=request.args.get("q")), per_page=100
    )
    return render_template("agencies/user_list.html", page=page, role_choices=[(r.value, r.label) for r in Role])


@login_required
def user_create():
    """Add a user and, by default, e-mail them an invitation to set a password."""
    require(current_user, "users.manage")
    form = _user_form()
    if form.validate_on_submit():
        try:
            user = operations.create_user(
                email=form.email.data, name=form.name.data, role=form.role.data, agency_id=form.agency_id.data
            )
            if form.send_invite.data:
                operations.invite_user(user, invited_by=current_user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(
                f"{user.name} has been added" + (" and invited by email." if form.send_invite.data else "."), "success"
            )
            return redirect(url_for("agencies.user_list"))
    return render_template("agencies/user_form.html", form=form, user=None), 400 if form.errors else 200


@login_required
def user_edit(user_id):
    """Edit a user's details, role or agency, and deactivate, reactivate or re-invite them."""
    require(current_user, "users.manage")
    user = _load(queries.get_user, user_id)
    form = _user_form(obj=user)
    if form.validate_on_submit():
        try:
            operations.update_user(
                user, expected_version=form.version.data or None, email=form.email.data, name=form.name.data,
                role=form.role.data, agency_id=form.agency_id.data,
            )  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"{user.name} has been updated.", "success")
            return redirect(url_for("agencies.user_list"))
    return render_template("agencies/user_form.html", form=form, user=user, confirm=ConfirmForm()), (
        400 if form.errors else 200
    )


@login_required
def user_set_active(user_id, active):
    """Deactivate (ends their sessions and tokens at once) or reactivate a user."""
    require(current_user, "users.manage")
    user = _load(queries.get_user, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id and not active:
        flash("You cannot deactivate your own account.")
        return redirect(url_for("agencies.user_edit", user_id=user.id))
    operations.set_user_active(user, active)
    db.session.commit()
    flash(f"{user.name} has been {'reactivated' if active else 'deactivated'}.", "success")
    return redirect(url_for("agencies.user_edit", user_id=user.id))


@login_required
def user_invite(user_id):
    """Send a fresh invitation (earlier links stop working)."""
    require(current_user, "users.manage")
    user = _load(queries.get_user, user_id)
    if not ConfirmForm().validate_on_submit() or not user.is_active:
        abort(400)
    operations.invite_user(user, invited_by=current_user)
    db.session.commit()
    flash(f"A new invitation has been sent to {user.email}.", "success")
    return redirect(url_for("agencies.user_edit", user_id=user.id))


@login_required
def audit_trail():
    """The audit trail, newest first, filterable by action and object."""
    require(current_user, "audit_trail.view")
    args = request.args
    query = queries.query_audit_events(
        action=args.get("action"), object_type=args.get("object_type"), object_id=args.get("object_id", type=int)
    )
    return render_template("agencies/audit_trail.html", page=paginate(query, per_page=50))


@login_required
def outbox():
    """The e-mail outbox: what was sent, what is waiting, what failed and why."""
    require(current_user, "outbox.view")
    return render_template(
        "agencies/outbox.html",
        page=paginate(queries.query_notifications(status=request.args.get("status")), per_page=50),
    )
