"""URL rules of the template builder: templates, versions, sections, questions, scales and the preview.

Sections, questions and scales are addressed by their code, which stays the same when a draft is saved (their
ids do not).
"""

from flask import Blueprint

from audit_app.tools.views import preview, questions, scales, sections, templates, versions

bp = Blueprint("tools", __name__, template_folder="templates")
VERSION = "/templates/<int:template_id>/versions/<int:version_id>"
GET_POST = ("GET", "POST")

# Templates
bp.add_url_rule("/templates", "template_list", templates.template_list)
bp.add_url_rule("/templates/new", "template_create", templates.template_create, methods=GET_POST)
bp.add_url_rule("/templates/import", "template_import", templates.template_import, methods=GET_POST)
bp.add_url_rule("/templates/<int:template_id>/compare", "version_compare", versions.version_compare)
bp.add_url_rule("/templates/<int:template_id>/versions/new", "version_start", versions.version_start,
                methods=("POST",))  # fmt: skip

# Versions
bp.add_url_rule(VERSION, "version_detail", versions.version_detail)
bp.add_url_rule(f"{VERSION}/details/edit", "version_edit", versions.version_edit, methods=GET_POST)
bp.add_url_rule(f"{VERSION}/preview", "version_preview", preview.version_preview)
bp.add_url_rule(f"{VERSION}/export", "version_export", versions.version_export)
bp.add_url_rule(f"{VERSION}/publish", "version_publish", versions.version_publish, methods=GET_POST)
bp.add_url_rule(f"{VERSION}/delete", "version_delete", versions.version_delete, methods=GET_POST)
bp.add_url_rule(f"{VERSION}/retire", "version_retire", versions.version_retire, methods=("POST",))

# Sections
bp.add_url_rule(f"{VERSION}/sections/new", "section_create", sections.section_create, methods=GET_POST)
bp.add_url_rule(f"{VERSION}/sections/<section_code>/edit", "section_edit", sections.section_edit, methods=GET_POST)
bp.add_url_rule(f"{VERSION}/sections/<section_code>/delete", "section_delete", sections.section_delete,
                methods=GET_POST)  # fmt: skip
bp.add_url_rule(f"{VERSION}/sections/<section_code>/move", "section_move", sections.section_move, methods=("POST",))

# Questions
bp.add_url_rule(f"{VERSION}/questions/new", "question_create", questions.question_create, methods=GET_POST)
bp.add_url_rule(f"{VERSION}/questions/<question_code>/edit", "question_edit", questions.question_edit,
                methods=GET_POST)  # fmt: skip
bp.add_url_rule(f"{VERSION}/questions/<question_code>/delete", "question_delete", questions.question_delete,
                methods=GET_POST)  # fmt: skip
bp.add_url_rule(f"{VERSION}/questions/<question_code>/move", "question_move", questions.question_move,
                methods=("POST",))  # fmt: skip

# Scales
bp.add_url_rule(f"{VERSION}/scales/add", "scale_add", scales.scale_add, methods=GET_POST)
bp.add_url_rule(f"{VERSION}/scales/new", "scale_create", scales.scale_create, methods=GET_POST)
bp.add_url_rule(f"{VERSION}/scales/<scale_code>/edit", "scale_edit", scales.scale_edit, methods=GET_POST)
