"""Previewing a version exactly as an agency's auditor will see the return (nothing can be submitted)."""

from flask import render_template, request
from flask_login import current_user, login_required

from audit_app.agencies.models.agencies import AGENCY_KIND_LABELS, AgencyKind
from audit_app.core.permissions import require
from audit_app.tools.forms import PreviewForm
from audit_app.tools.return_form import make_return_form
from audit_app.tools.views.editing import load_version


@login_required
def version_preview(template_id, version_id):
    """The return form of a version, as an agency of the chosen kind sees it, with links to its sections."""
    require(current_user, "templates.view")
    version = load_version(template_id, version_id)
    kind = request.args.get("agency_kind")
    kind = kind if kind in AgencyKind.__members__.values() else None
    chooser = PreviewForm(data={"agency_kind": kind or ""})
    return_form = make_return_form(version, agency_kind=kind)(formdata=None, meta={"csrf": False})
    return render_template("tools/version_preview.html", version=version, template=version.template,
                           return_form=return_form, chooser=chooser,
                           agency_label=AGENCY_KIND_LABELS[AgencyKind(kind)] if kind else None)  # fmt: skip
