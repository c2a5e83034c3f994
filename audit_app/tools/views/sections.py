"""Adding, editing, deleting and moving the sections of a draft (addressed by section code)."""

from flask import abort, flash, redirect, render_template
from flask_login import current_user, login_required

from audit_app.core.permissions import require
from audit_app.extensions import db
from audit_app.tools.definitions import version_to_definition
from audit_app.tools.forms import LockedForm, MoveForm, SectionForm
from audit_app.tools.views import editing
from audit_app.tools.views.templates import version_url
from audit_app.web.forms import choices


def _section_form(version, initial):
    form = SectionForm(data={**initial, "lock_version": version.lock_version})
    form.grade_scale.choices = choices([("", "No section grade")] + [(s.code, s.name) for s in version.scales])
    return form


def _section_url(version, code):
    return f"{version_url(version)}#section-{code}"


@login_required
def section_create(template_id, version_id):
    """Add a section at the end of a draft."""
    require(current_user, "templates.manage")
    version = editing.load_draft(template_id, version_id)
    definition = version_to_definition(version)
    form = _section_form(version, {})
    if form.validate_on_submit():
        definition["sections"].append({**form.values(), "questions": []})
        if editing.save(version, definition, form, path=("sections", len(definition["sections"]) - 1)):
            db.session.commit()
            flash(f"Section {form.code.data} has been added.", "success")
            return redirect(_section_url(version, form.code.data))
    return render_template("tools/section_form.html", form=form, version=version, section=None), (
        editing.form_status(form)
    )


@login_required
def section_edit(template_id, version_id, section_code):
    """Edit a section's code, title, description and what it asks for besides its questions."""
    require(current_user, "templates.manage")
    version = editing.load_draft(template_id, version_id)
    definition = version_to_definition(version)
    index = editing.section_index(definition, section_code)
    section = definition["sections"][index]
    form = _section_form(version, {**section, "grade_scale": section["grade_scale"] or ""})
    if form.validate_on_submit():
        definition["sections"][index] = {**section, **form.values()}
        if editing.save(version, definition, form, path=("sections", index)):
            db.session.commit()
            flash(f"Section {form.code.data} has been saved.", "success")
            return redirect(_section_url(version, form.code.data))
    return render_template("tools/section_form.html", form=form, version=version, section=section), (
        editing.form_status(form)
    )


@login_required
def section_delete(template_id, version_id, section_code):
    """Confirm, then delete a section and its questions."""
    require(current_user, "templates.manage")
    version = editing.load_draft(template_id, version_id)
    definition = version_to_definition(version)
    section = definition["sections"].pop(editing.section_index(definition, section_code))
    form = LockedForm(data={"lock_version": version.lock_version})
    if form.validate_on_submit() and editing.save(version, definition, form):
        db.session.commit()
        flash(f"Section {section_code} and its {len(section['questions'])} question(s) have been deleted.", "success")
        return redirect(version_url(version))
    return render_template("tools/section_delete.html", form=form, version=version, section=section), (
        editing.form_status(form)
    )


@login_required
def section_move(template_id, version_id, section_code):
    """Move a section up or down (a button on the version page)."""
    require(current_user, "templates.manage")
    version = editing.load_draft(template_id, version_id)
    definition = version_to_definition(version)
    index = editing.section_index(definition, section_code)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    step = -1 if form.direction.data == "up" else 1
    if editing.move_item(definition["sections"], index, step) and not editing.save(version, definition, form):
        flash(f"Section {section_code} could not be moved. " + " ".join(form.form_errors))
    else:
        db.session.commit()
    return redirect(_section_url(version, section_code))
