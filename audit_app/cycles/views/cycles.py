"""Cycle administration: the list, creating a cycle (and next year's), the overview and its state changes."""

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from audit_app.agencies.forms import ConfirmForm
from audit_app.agencies.queries import query_agencies
from audit_app.core.errors import InvalidTransition, ValidationError
from audit_app.core.permissions import can, require
from audit_app.cycles import operations, queries
from audit_app.cycles.forms import CasesAddForm, CycleCreateForm, CycleNextYearForm
from audit_app.cycles.models.assignments import AssignmentStatus
from audit_app.extensions import db
from audit_app.tools.queries import query_published_versions
from audit_app.web.forms import apply_errors
from audit_app.web.pagination import paginate

#: The return page (another package's); matrix cells link to it when it exists.
RETURN_ENDPOINT = "returns.return_view"
#: transition -> (operation, message on success).
TRANSITIONS = {
    "open": (operations.open_cycle, "{title} is open: agencies can now start their returns."),
    "close": (operations.close_cycle, "{title} is closed: returns can no longer be changed."),
    "reopen": (operations.reopen_cycle, "{title} has been reopened: agencies can change their returns again."),
    "report": (operations.mark_reported, "{title} has been marked as reported."),
}


def _load(cycle_id):
    cycle = queries.get_cycle(cycle_id)
    if cycle is None:
        abort(404)
    return cycle


def _to_overview(cycle_id):
    return redirect(url_for("cycles.cycle_overview", cycle_id=cycle_id))


@login_required
def cycle_list():
    """Cycles with their tool, status, dates and progress."""
    require(current_user, "cycles.view")
    page = paginate(queries.query_cycles(), per_page=50)
    return render_template(
        "cycles/cycle_list.html", page=page, progress=queries.count_progress([c.id for c in page.items]),
        can_manage=can(current_user, "cycles.manage"),
    )  # fmt: skip


@login_required
def cycle_create():
    """Create a draft cycle: tool version, dates, agencies taking part and (case audits) the sample of cases."""
    require(current_user, "cycles.manage")
    versions = {v.id: v for v in db.session.scalars(query_published_versions())}
    agencies = db.session.scalars(query_agencies(active_only=True)).all()
    form = CycleCreateForm()
    form.set_choices(versions.values(), agencies)
    if form.validate_on_submit():
        try:
            cycle = operations.create_cycle(
                version=versions.get(form.template_version_id.data), references=form.references,
                agencies=operations.select_agencies(agency_ids=form.agency_ids.data, group=form.group),
                terms_of_reference=form.terms_of_reference.data or None, user=current_user, **form.date_values(),
            )  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"{cycle.title} has been created as a draft. Check it, then open it to agencies.", "success")
            return _to_overview(cycle.id)
    return render_template("cycles/cycle_create.html", form=form, agencies=agencies), 400 if form.errors else 200


@login_required
def cycle_create_next(cycle_id):
    """Next year's annual self-assessment from this one: the same agencies, the newest version of the tool."""
    require(current_user, "cycles.manage")
    previous = _load(cycle_id)
    if previous.is_case_audit:
        abort(404)
    form = CycleNextYearForm()
    if not form.is_submitted():
        form.prefill(previous)
    if form.validate_on_submit():
        try:
            cycle = operations.create_cycle_from_previous(previous, user=current_user, **form.date_values())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"{cycle.title} has been created as a draft from {previous.title}.", "success")
            return _to_overview(cycle.id)
    return render_template(
        "cycles/cycle_create_next.html", form=form, previous=previous,
        version=previous.template_version.template.published_version,
        agencies=[a for a in previous.agencies if a.is_active],
    ), 400 if form.errors else 200  # fmt: skip


@login_required
def cycle_overview(cycle_id):
    """A cycle at a glance: its details, the agency x case matrix of statuses, participation and who is late."""
    require(current_user, "cycles.view")
    return _render_overview(_load(cycle_id), CasesAddForm())


def _render_overview(cycle, form, status=200):
    agencies, cases, cells = queries.status_matrix(cycle)
    today = dt.date.today()
    return render_template(
        "cycles/cycle_overview.html", cycle=cycle, agencies=agencies, cases=cases, cells=cells, today=today,
        participation=queries.participation(cycle.id), counts=queries.count_by_status(cycle.id),
        statuses=AssignmentStatus, late=db.session.scalars(queries.query_late(cycle, today)).all(), form=form,
        confirm=ConfirmForm(), can_manage=can(current_user, "cycles.manage"),
        return_endpoint=RETURN_ENDPOINT if RETURN_ENDPOINT in current_app.view_functions else None,
    ), status  # fmt: skip


@login_required
def cycle_transition(cycle_id, transition):
    """Open, close, reopen or mark reported; a change the cycle's status does not allow is explained, not made."""
    require(current_user, "cycles.manage")
    cycle = _load(cycle_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operation, message = TRANSITIONS[transition]
    try:
        operation(cycle)
        db.session.commit()
    except InvalidTransition as exc:
        db.session.rollback()
        flash(exc.message)
    except StaleDataError:
        db.session.rollback()
        flash("Someone else changed this cycle at the same time. Check its status below and try again.")
    else:
        flash(message.format(title=cycle.title), "success")
    return _to_overview(cycle_id)


@login_required
def case_add(cycle_id):
    """Add cases to a case audit's sample: each gets a return for every agency taking part."""
    require(current_user, "cycles.manage")
    cycle = _load(cycle_id)
    if not cycle.is_case_audit:
        flash("A self-assessment has one return per agency: it has no cases to add.")
        return _to_overview(cycle.id)
    form = CasesAddForm()
    if form.validate_on_submit():
        try:
            operations.add_cases(cycle, form.references)
        except InvalidTransition as exc:
            flash(exc.message)
            return _to_overview(cycle.id)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            count = len(form.references)
            flash(f"{count} case{'' if count == 1 else 's'} added, with a return for every agency.", "success")
            return _to_overview(cycle.id)
    return _render_overview(cycle, form, status=400)


@login_required
def cycle_mid_year(cycle_id):
    """Ask the agencies of a self-assessment for a mid-year progress update by a date."""
    require(current_user, "cycles.manage")
    cycle = _load(cycle_id)
    try:
        due_on = dt.date.fromisoformat(request.form.get("mid_year_due_on", ""))
    except ValueError:
        due_on = None
    try:
        operations.request_mid_year_update(cycle, due_on=due_on)
    except (ValidationError, InvalidTransition) as exc:
        db.session.rollback()
        flash(exc.details.get("due_on") or exc.message)
        return _to_overview(cycle.id)
    db.session.commit()
    flash(f"Agencies have been asked for a mid-year update by {due_on:%-d %B %Y}.", "success")
    return _to_overview(cycle.id)
