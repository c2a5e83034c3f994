"""The list of audit templates, creating a template, and importing one from an Excel workbook."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from audit_app.core.errors import ValidationError
from audit_app.core.permissions import can, require
from audit_app.extensions import db
from audit_app.tools import queries
from audit_app.tools.forms import TemplateCreateForm, TemplateImportForm
from audit_app.tools.operations import DefinitionInvalid, create_template
from audit_app.tools.views.editing import form_status, show_problems
from audit_app.tools.workbooks import import_workbook
from audit_app.util.spreadsheets import UploadRejected, WorkbookInvalid
from audit_app.web.forms import apply_errors, choices


def version_url(version):
    """The page of one version."""
    return url_for("tools.version_detail", template_id=version.template_id, version_id=version.id)


@login_required
def template_list():
    """Every template with its kind, whether it is built in, and its versions with their status."""
    require(current_user, "templates.view")
    templates = db.session.scalars(queries.query_templates()).all()
    return render_template("tools/template_list.html", templates=templates,
                           can_manage=can(current_user, "templates.manage"))  # fmt: skip


@login_required
def template_create():
    """Create a template: version 1 starts as a draft with one empty section."""
    require(current_user, "templates.manage")
    form = TemplateCreateForm()
    if form.validate_on_submit():
        try:
            version = create_template(form.definition())
        except DefinitionInvalid as exc:
            show_problems(form, exc, path=())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"{version.template.name} has been created as a draft. Add its sections and questions.", "success")
            return redirect(version_url(version))
    return render_template("tools/template_create.html", form=form), form_status(form)


@login_required
def template_import():
    """Import a template workbook as a new template or a new draft version; every problem listed by cell."""
    require(current_user, "templates.manage")
    form, problems = _import_form(), []
    if form.validate_on_submit():
        upload, template = form.file.data, queries.get_template(form.template_id.data or 0)
        try:
            if not upload or not upload.filename:
                raise UploadRejected("Select an Excel workbook (.xlsx) to upload.")
            version = import_workbook(upload.read(), filename=upload.filename, template=template)
        except UploadRejected as exc:
            form.file.errors = [str(exc)]
        except WorkbookInvalid as exc:
            problems = exc.problems
            form.file.errors = [f"The workbook has {len(problems)} problem(s). Nothing was imported."]
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Imported {version.template.name}, version {version.number}, as a draft.", "success")
            return redirect(version_url(version))
    status = 422 if problems else form_status(form)
    return render_template("tools/template_import.html", form=form, problems=problems), status


def _import_form():
    form = TemplateImportForm()
    templates = db.session.scalars(queries.query_templates()).all()
    form.template_id.choices = choices(
        [("", "A new template")] + [(t.id, f"A new version of {t.name} ({t.code})") for t in templates]
    )
    return form
