"""The scales of a draft: adding one shipped with Assure, and adding or editing a custom one (by scale code)."""

from flask import flash, redirect, render_template
from flask_login import current_user, login_required

from audit_app.core.permissions import require
from audit_app.extensions import db
from audit_app.tools.definitions import version_to_definition
from audit_app.tools.forms import ScaleForm, ShippedScaleForm
from audit_app.tools.library import library_scales
from audit_app.tools.views import editing
from audit_app.tools.views.templates import version_url
from audit_app.web.forms import choices


def _scales_url(version):
    return f"{version_url(version)}#scales"


@login_required
def scale_add(template_id, version_id):
    """Add one of the shipped scales (Ofsted-style grades, met/not met, RAG...) to a draft."""
    require(current_user, "templates.manage")
    version = editing.load_draft(template_id, version_id)
    definition = version_to_definition(version)
    own = {s["code"] for s in definition["scales"]}
    shipped = {code: scale for code, scale in library_scales().items() if code not in own}
    form = ShippedScaleForm(data={"lock_version": version.lock_version})
    form.scale.choices = choices([(code, f"{scale['name']} ({code})") for code, scale in shipped.items()])
    if form.validate_on_submit():
        definition["scales"].append(shipped[form.scale.data])
        if editing.save(version, definition, form, path=("scales", len(definition["scales"]) - 1)):
            db.session.commit()
            flash(f"The {form.scale.data} scale has been added.", "success")
            return redirect(_scales_url(version))
    return render_template("tools/scale_add.html", form=form, version=version, shipped=shipped), (
        editing.form_status(form)
    )


@login_required
def scale_create(template_id, version_id):
    """Add a custom scale to a draft."""
    require(current_user, "templates.manage")
    version = editing.load_draft(template_id, version_id)
    definition = version_to_definition(version)
    form = ScaleForm(data={"lock_version": version.lock_version})
    if form.validate_on_submit():
        definition["scales"].append(form.values())
        if editing.save(version, definition, form, path=("scales", len(definition["scales"]) - 1)):
            db.session.commit()
            flash(f"The {form.code.data} scale has been added.", "success")
            return redirect(_scales_url(version))
    return render_template("tools/scale_form.html", form=form, version=version, scale=None), editing.form_status(form)


@login_required
def scale_edit(template_id, version_id, scale_code):
    """Edit a scale of a draft: its name, description and levels (level descriptions are kept by value)."""
    require(current_user, "templates.manage")
    version = editing.load_draft(template_id, version_id)
    definition = version_to_definition(version)
    index = editing.scale_index(definition, scale_code)
    scale = definition["scales"][index]
    form = ScaleForm(data=ScaleForm.initial(scale, version.lock_version))
    if form.validate_on_submit():
        definition["scales"][index] = form.values(existing=scale["levels"])
        editing.rename_scale(definition, scale_code, form.code.data)
        if editing.save(version, definition, form, path=("scales", index)):
            db.session.commit()
            flash(f"The {form.code.data} scale has been saved.", "success")
            return redirect(_scales_url(version))
    return render_template("tools/scale_form.html", form=form, version=version, scale=scale), (
        editing.form_status(form)
    )
