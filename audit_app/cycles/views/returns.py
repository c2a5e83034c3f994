"""Completing a return: my returns, one page per section, check your answers, submit, decline, review, reassign."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from audit_app.core.errors import ConflictError, InvalidTransition, ValidationError
from audit_app.core.permissions import Role, can, require
from audit_app.cycles import operations, queries, workbooks
from audit_app.cycles.models.assignments import AssignmentStatus
from audit_app.cycles.return_forms import DeclineForm, ReassignForm, ReviewForm
from audit_app.cycles.return_pages import (
    form_class_for,
    pages,
    plain_value,
    previous_display,
    saved_data,
    summary,
    values_from_form,
)
from audit_app.extensions import db
from audit_app.tools.question_types import QUESTION_TYPES
from audit_app.web.forms import apply_errors, choices
from audit_app.web.pagination import paginate


def _load(assignment_id, action="returns.view"):
    assignment = queries.get_assignment(assignment_id)
    if assignment is None:
        abort(404)
    require(current_user, action, assignment)
    return assignment


def _may_edit(assignment):
    if not can(current_user, "returns.edit", assignment) or not assignment.is_editable:
        return False
    return Role(current_user.role) == Role.AGENCY_LEAD or assignment.assignee_id in (None, current_user.id)


@login_required
def my_returns():
    """The returns of my agency (mine, or unassigned, for an auditor), oldest due first."""
    require(current_user, "returns.own")
    include_finished = request.args.get("show") == "all"
    page = paginate(queries.query_returns_for_user(current_user, include_finished=include_finished), per_page=100)
    return render_template("returns/my_returns.html", page=page, include_finished=include_finished,
                           is_late=queries.is_late)  # fmt: skip


@login_required
def return_view(assignment_id):
    """A return read-only: every answer by section, with its status, reasons and the actions allowed."""
    assignment = _load(assignment_id)
    form_class = form_class_for(assignment)
    return render_template(
        "returns/return_view.html", assignment=assignment, form=None, sections=summary(assignment, form_class),
        missing=operations.missing_required(assignment), missing_sign_off=operations.missing_sign_off(assignment),
        may_edit=_may_edit(assignment), previous_display=previous_display(queries.previous_answers(assignment)),
        review_form=ReviewForm(), may_review=can(current_user, "returns.review", assignment),
    )  # fmt: skip


@login_required
def return_edit(assignment_id, page_key=None):
    """One page of the return form. Saving keeps a draft; nothing is lost if someone else saved first."""
    assignment = _load(assignment_id, "returns.edit")
    if not _may_edit(assignment):
        flash("This return cannot be changed now.")
        return redirect(url_for("returns.return_view", assignment_id=assignment.id))
    form_class = form_class_for(assignment)
    all_pages = pages(form_class)
    page = next((p for p in all_pages if p.key == page_key), all_pages[0] if all_pages else None)
    if page is None:
        abort(404)
    form = form_class() if request.method == "POST" else form_class(data=saved_data(assignment))
    if request.method == "POST" and form.validate():
        outcome = _save_page(assignment, form, page.key)
        if outcome is not None:
            return outcome
    status = 400 if form.errors or form.form_errors else 200
    return render_template("returns/return_edit.html", assignment=assignment, form=form, pages=all_pages, page=page,
                           previous_display=previous_display(queries.previous_answers(assignment))), status  # fmt: skip


def _save_page(assignment, form, page_key):
    answers, sections, sign_off = values_from_form(form, page_key)
    try:
        operations.save_answers(assignment, answers, user=current_user, sections=sections, sign_off=sign_off,
                                expected_version=request.form.get("_version"))  # fmt: skip
    except ConflictError:
        db.session.rollback()
        return _conflict(assignment, form, page_key)
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return None
    db.session.commit()
    following = _next_page(form, page_key)
    if request.form.get("action") == "continue" and following:
        return redirect(url_for("returns.return_edit", assignment_id=assignment.id, page_key=following))
    flash("Your answers have been saved.", "success")
    target = "returns.return_view" if request.form.get("action") == "check" else "returns.return_edit"
    args = {"assignment_id": assignment.id} if target == "returns.return_view" else {
        "assignment_id": assignment.id, "page_key": page_key}  # fmt: skip
    return redirect(url_for(target, **args))


def _next_page(form, page_key):
    keys = [p.key for p in pages(type(form))]
    index = keys.index(page_key) if page_key in keys else -1
    return keys[index + 1] if 0 <= index < len(keys) - 1 else None


def _conflict(assignment, form, page_key):
    """Someone saved this return after the page was loaded: show both versions and let the auditor choose."""
    db.session.refresh(assignment)
    saved = {a.question.code: a.value for a in assignment.answers}
    section = next((s for s in form.return_sections if s.code == page_key), None)
    rows = []
    for item in section.questions if section else []:
        qtype = QUESTION_TYPES[item.question.type]
        mine = qtype.display(item.question, plain_value(form[item.code].data))
        theirs = qtype.display(item.question, saved.get(item.code))
        rows.append({"label": item.label, "mine_text": mine, "theirs_text": theirs, "differs": mine != theirs})
    return render_template("returns/conflict.html", assignment=assignment, rows=rows, page_key=page_key,
                           posted=request.form.items(multi=True)), 409  # fmt: skip


@login_required
def return_autosave(assignment_id, page_key):
    """Save a draft as the auditor types (JavaScript): JSON in reply, a 409 when someone else saved first."""
    assignment = _load(assignment_id, "returns.edit")
    if not _may_edit(assignment):
        return {"error": {"code": "conflict", "message": "This return cannot be changed now."}}, 409
    form = form_class_for(assignment)()
    if not form.validate():
        return {"error": {"code": "validation_error", "message": "Some answers need correcting.",
                          "details": {k: v for k, v in form.errors.items() if k != "csrf_token"}}}, 422  # fmt: skip
    answers, sections, sign_off = values_from_form(form, page_key)
    try:
        operations.save_answers(assignment, answers, user=current_user, sections=sections, sign_off=sign_off,
                                expected_version=request.form.get("_version"))  # fmt: skip
    except ConflictError as exc:
        db.session.rollback()
        return {"error": {"code": "conflict", "message": exc.message, "details": exc.details}}, 409
    except ValidationError as exc:
        db.session.rollback()
        return {"error": {"code": "validation_error", "message": exc.message, "details": exc.details}}, 422
    db.session.commit()
    return {"version": assignment.version, "saved_at": assignment.updated_at.isoformat()}


@login_required
def return_submit(assignment_id):
    """Submit (after check your answers). Missing required answers are listed, each linked to its page."""
    assignment = _load(assignment_id, "returns.edit")
    if not _may_edit(assignment):
        abort(409)
    try:
        operations.submit_return(assignment, user=current_user, expected_version=request.form.get("_version"))
    except ValidationError:
        db.session.rollback()
        return redirect(url_for("returns.return_view", assignment_id=assignment.id, incomplete=1))
    except ConflictError as exc:
        db.session.rollback()
        flash(exc.message)
        return redirect(url_for("returns.return_view", assignment_id=assignment.id))
    db.session.commit()
    return render_template("returns/submitted.html", assignment=assignment)


@login_required
def return_decline(assignment_id):
    """Mark the case as not known to the agency, or out of scope, with a reason."""
    assignment = _load(assignment_id, "returns.edit")
    if not _may_edit(assignment):
        abort(409)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            operations.decline_return(assignment, status=form.status.data, reason=form.reason.data,
                                      user=current_user, expected_version=form.version.data or None)  # fmt: skip
        except (ValidationError, ConflictError) as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Recorded as {assignment.status.label.lower()}.", "success")
            return redirect(url_for("returns.my_returns"))
    form.version.data = assignment.version
    return render_template("returns/decline.html", assignment=assignment, form=form), 400 if form.errors else 200


@login_required
def return_reopen(assignment_id):
    """Undo a decline (the agency does know the case after all)."""
    assignment = _load(assignment_id, "returns.edit")
    if assignment.status not in (AssignmentStatus.NOT_KNOWN, AssignmentStatus.OUT_OF_SCOPE):
        abort(409)
    operations.reopen_return(assignment, user=current_user)
    db.session.commit()
    flash("The return has been reopened.", "success")
    return redirect(url_for("returns.return_edit", assignment_id=assignment.id))


@login_required
def return_review(assignment_id):
    """A scrutineer or admin accepts a submitted return, or returns it for amendment with a reason."""
    assignment = _load(assignment_id, "returns.review")
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors) or "Choose what to do.")
        return redirect(url_for("returns.return_view", assignment_id=assignment.id))
    try:
        if form.decision.data == "accept":
            operations.accept_return(assignment, user=current_user)
        else:
            operations.return_for_amendment(assignment, reason=form.reason.data, user=current_user)
    except (ValidationError, InvalidTransition) as exc:
        db.session.rollback()
        flash(exc.details.get("reason") or exc.message)
        return redirect(url_for("returns.return_view", assignment_id=assignment.id))
    db.session.commit()
    flash(f"The return is now {assignment.status.label.lower()}.", "success")
    return redirect(url_for("returns.return_view", assignment_id=assignment.id))


@login_required
def return_reassign(assignment_id):
    """The agency lead gives a return to one of the agency's auditors (or to anyone in the agency)."""
    assignment = _load(assignment_id, "returns.reassign")
    form = ReassignForm()
    people = queries.users_of_agency(assignment.agency_id)
    form.assignee_id.choices = choices([("", "Anyone in the agency")] + [(str(u.id), u.name) for u in people])
    if form.validate_on_submit():
        chosen = next((u for u in people if str(u.id) == form.assignee_id.data), None)
        operations.reassign(assignment, chosen)
        db.session.commit()
        flash("The return has been reassigned.", "success")
        return redirect(url_for("returns.my_returns"))
    form.assignee_id.data = str(assignment.assignee_id or "")
    return render_template("returns/reassign.html", assignment=assignment, form=form)


@login_required
def return_download(assignment_id):
    """The return as an Excel workbook prefilled with what is saved, to complete offline."""
    assignment = _load(assignment_id)
    data = workbooks.export_return(assignment)
    name = f"return-{assignment.id}-v{assignment.version}.xlsx"
    return current_app.response_class(
        data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )  # fmt: skip


@login_required
def return_upload(assignment_id):
    """Upload a completed return workbook: checked like the web form, applied only if every answer is valid."""
    from audit_app.agencies.forms import UploadForm
    from audit_app.util.spreadsheets import UploadRejected, WorkbookInvalid

    assignment = _load(assignment_id, "returns.edit")
    if not _may_edit(assignment):
        abort(409)
    form, problems = UploadForm(), []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if not upload or not upload.filename:
                raise UploadRejected("Select the completed Excel workbook (.xlsx) to upload.")
            workbooks.import_return(assignment, upload.read(), filename=upload.filename, user=current_user)
        except UploadRejected as exc:
            form.file.errors = [str(exc)]
        except WorkbookInvalid as exc:
            db.session.rollback()
            problems = exc.problems
            form.file.errors = [f"The workbook has {len(problems)} problem(s). Nothing was saved."]
        except (ConflictError, ValidationError, InvalidTransition) as exc:
            db.session.rollback()
            form.file.errors = [exc.message]
        else:
            db.session.commit()
            flash("Your workbook has been uploaded and its answers saved.", "success")
            return redirect(url_for("returns.return_view", assignment_id=assignment.id))
    status = 422 if problems else (400 if form.errors else 200)
    return render_template("returns/upload.html", assignment=assignment, form=form, problems=problems), status


@login_required
def return_progress(assignment_id):
    """The mid-year update: progress on every answer below the top of the scale."""
    assignment = _load(assignment_id)
    needing = operations.answers_needing_progress(assignment)
    may_update = can(current_user, "returns.edit", assignment) and assignment.cycle.mid_year_due_on is not None
    if request.method == "POST":
        require(current_user, "returns.edit", assignment)
        updates = {a.question.code: request.form.get(f"progress-{a.question.code}", "") for a in needing}
        try:
            operations.save_progress_updates(assignment, updates, user=current_user)
        except ValidationError as exc:
            db.session.rollback()
            flash(" ".join(exc.details.values()))
        else:
            db.session.commit()
            flash("Your progress updates have been saved.", "success")
            return redirect(url_for("returns.return_progress", assignment_id=assignment.id))
    rows = [{"answer": a, "shown": QUESTION_TYPES[a.question.type].display(a.question, a.value)} for a in needing]
    return render_template("returns/progress.html", assignment=assignment, rows=rows, may_update=may_update)
