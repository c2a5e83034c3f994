"""One template version: its page, its details, publishing, retiring, deleting a draft, starting a new version,
downloading it as a workbook and comparing two versions."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from audit_app.agencies.forms import ConfirmForm
from audit_app.agencies.models.agencies import AGENCY_KIND_LABELS
from audit_app.core.errors import ConflictError, ValidationError
from audit_app.core.permissions import can, require
from audit_app.extensions import db
from audit_app.thematic.queries import get_themes_by_code, query_themes
from audit_app.tools import operations, queries
from audit_app.tools.definitions import diff_definitions, diff_is_empty, version_to_definition
from audit_app.tools.forms import CompareForm, LockedForm, VersionDetailsForm
from audit_app.tools.question_types import QUESTION_TYPES
from audit_app.tools.return_form import describe_condition
from audit_app.tools.views.editing import CONFLICT_MESSAGE, form_status, load_draft, load_version, save, show_problems
from audit_app.tools.views.templates import version_url
from audit_app.tools.workbooks import export_version
from audit_app.util.spreadsheets import XLSX_MIME
from audit_app.web.forms import choices


@login_required
def version_detail(template_id, version_id):
    """A version's summary, its sections and questions in order, its scales, and what can be done with it."""
    require(current_user, "templates.view")
    version = load_version(template_id, version_id)
    questions = {q.code: q for q in version.ordered_questions()}
    conditions = {code: describe_condition(q.show_if, questions.get(q.show_if["question"]), prefix="")
                  for code, q in questions.items() if q.show_if}  # fmt: skip
    themes = get_themes_by_code(version.themes)
    return render_template(
        "tools/version_detail.html", version=version, template=version.template, conditions=conditions,
        question_count=len(questions), theme_labels=[themes[c].label if c in themes else c for c in version.themes],
        types=QUESTION_TYPES,
        kind_labels={k.value: label for k, label in AGENCY_KIND_LABELS.items()},
        can_manage=can(current_user, "templates.manage"), confirm=ConfirmForm(),
    )  # fmt: skip


@login_required
def version_edit(template_id, version_id):
    """Edit a draft's name, description, guidance, sign-off block and themes."""
    require(current_user, "templates.manage")
    version = load_draft(template_id, version_id)
    definition = version_to_definition(version)
    form = VersionDetailsForm(data={**definition, "lock_version": version.lock_version})
    form.themes.choices = choices([(t.code, f"{t.label} ({t.code})") for t in db.session.scalars(query_themes())])
    if form.validate_on_submit() and save(version, {**definition, **form.values()}, form, path=()):
        db.session.commit()
        flash("The template's details have been saved.", "success")
        return redirect(version_url(version))
    return render_template("tools/version_edit.html", form=form, version=version), form_status(form)


@login_required
def version_publish(template_id, version_id):
    """Confirm, then publish a draft: it is frozen from then on and new cycles use it."""
    require(current_user, "templates.manage")
    version = load_draft(template_id, version_id)
    form = LockedForm(data={"lock_version": version.lock_version})
    if form.validate_on_submit():
        try:
            operations.publish_version(version, user=current_user, expected_lock_version=form.lock_version.data)
        except ConflictError:
            form.form_errors.append(CONFLICT_MESSAGE)
            form.conflict = True
        except operations.DefinitionInvalid as exc:
            show_problems(form, exc)
        else:
            db.session.commit()
            flash(f"Version {version.number} has been published. New cycles will use it.", "success")
            return redirect(version_url(version))
    return render_template("tools/version_publish.html", form=form, version=version), form_status(form)


@login_required
def version_start(template_id):
    """Start a new draft version as a copy of the template's latest version."""
    require(current_user, "templates.manage")
    template = queries.get_template(template_id)
    if template is None or template.latest_version is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        version = operations.start_new_version(template)
    except ValidationError as exc:
        flash(" ".join(exc.details.values()) or exc.message)
        return redirect(version_url(template.draft_version or template.latest_version))
    db.session.commit()
    flash(f"Version {version.number} has been started as a draft copy of version {version.number - 1}.", "success")
    return redirect(version_url(version))


@login_required
def version_delete(template_id, version_id):
    """Confirm, then delete a draft version (and the template, if it has no other version)."""
    require(current_user, "templates.manage")
    version = load_draft(template_id, version_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        template, number = version.template, version.number
        operations.delete_draft(version)
        db.session.commit()
        flash(f"The draft version {number} of {template.name} has been deleted.", "success")
        return redirect(url_for("tools.template_list"))
    return render_template("tools/version_delete.html", form=form, version=version), 400 if form.errors else 200


@login_required
def version_retire(template_id, version_id):
    """Stop offering a published version for new cycles (cycles already using it keep it)."""
    require(current_user, "templates.manage")
    version = load_version(template_id, version_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.retire_version(version)
    db.session.commit()
    flash(f"Version {version.number} has been retired: new cycles can no longer use it.", "success")
    return redirect(version_url(version))


@login_required
def version_export(template_id, version_id):
    """Download a version as an Excel workbook (to edit offline and import as a new version)."""
    require(current_user, "templates.view")
    version = load_version(template_id, version_id)
    filename = f"{version.template.code}-v{version.number}.xlsx"
    return send_file(io.BytesIO(export_version(version)), mimetype=XLSX_MIME, as_attachment=True,
                     download_name=filename)  # fmt: skip


@login_required
def version_compare(template_id):
    """What changed between two versions of a template (by default the latest and the one before)."""
    require(current_user, "templates.view")
    template = queries.get_template(template_id)
    if template is None or not template.versions:
        abort(404)
    versions = {v.id: v for v in template.versions}
    latest = template.latest_version
    default_from = template.versions[-2] if len(template.versions) > 1 else latest
    form = CompareForm(request.args, from_version=default_from.id, to_version=latest.id)
    version_choices = choices([(v.id, f"Version {v.number} ({v.status.value})") for v in template.versions])
    form.from_version.choices = form.to_version.choices = version_choices
    old, new = versions.get(form.from_version.data), versions.get(form.to_version.data)
    if old is None or new is None:
        abort(404)
    diff = diff_definitions(version_to_definition(old), version_to_definition(new))
    return render_template("tools/version_compare.html", template=template, form=form, old=old, new=new,
                           diff=diff, is_empty=diff_is_empty(diff), show=show_value)  # fmt: skip


def show_value(value):
    """A definition value in words, for the comparison."""
    if value is None or value == [] or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict) and "op" in value:
        shown = value.get("value")
        shown = ", ".join(shown) if isinstance(shown, list) else shown
        return f"{value.get('question')} {value.get('op').replace('_', ' ')} {shown or ''}".strip()
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "; ".join(f"{item.get('value')} = {item.get('label')}" for item in value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
