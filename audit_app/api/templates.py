"""Audit templates: list them, read a version, import and export the template workbook, publish a draft."""

import re

from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import Schema, fields

from audit_app.api.auth import api_user, requires
from audit_app.api.pagination import paginated
from audit_app.api.schemas import ApiBlueprint, PageArgsSchema, page_of
from audit_app.core.errors import DomainError, NotFound, ValidationError
from audit_app.extensions import db
from audit_app.tools import operations, queries
from audit_app.tools.workbooks import export_version, import_workbook
from audit_app.util.spreadsheets import XLSX_MIME, UploadRejected, WorkbookInvalid

blp = ApiBlueprint("api_templates", __name__, url_prefix="/api/v1/templates", description="Audit templates")


class VersionSummarySchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    status = fields.String()
    published_at = fields.DateTime(allow_none=True)


class TemplateSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    is_builtin = fields.Boolean()
    versions = fields.List(fields.Nested(VersionSummarySchema))


class LevelSchema(Schema):
    value = fields.String()
    label = fields.String()
    score = fields.Float(allow_none=True)
    colour = fields.String(allow_none=True)
    is_scored = fields.Boolean()
    description = fields.String(allow_none=True)


class ScaleSchema(Schema):
    code = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)
    levels = fields.List(fields.Nested(LevelSchema))


class OptionSchema(Schema):
    value = fields.String()
    label = fields.String()


class QuestionSchema(Schema):
    code = fields.String()
    text = fields.String()
    guidance = fields.String(allow_none=True)
    type = fields.String()
    scale = fields.Nested(ScaleSchema, allow_none=True)
    options = fields.List(fields.Nested(OptionSchema), allow_none=True)
    themes = fields.List(fields.String(), attribute="theme_codes")
    required = fields.Boolean(attribute="is_required")
    show_if = fields.Dict(allow_none=True)
    agency_kinds = fields.List(fields.String(), allow_none=True)
    min = fields.Float(attribute="min_value", allow_none=True)
    max = fields.Float(attribute="max_value", allow_none=True)


class SectionSchema(Schema):
    code = fields.String()
    title = fields.String()
    description = fields.String(allow_none=True)
    ask_good_practice = fields.Boolean()
    ask_areas_for_development = fields.Boolean()
    grade_scale = fields.Function(lambda s: s.grade_scale.code if s.grade_scale else None, allow_none=True)
    questions = fields.List(fields.Nested(QuestionSchema))


class VersionSchema(VersionSummarySchema):
    template_id = fields.Integer()
    template_code = fields.String(attribute="template.code")
    kind = fields.String(attribute="template.kind")
    name = fields.String()
    description = fields.String(allow_none=True)
    guidance = fields.String(allow_none=True)
    sign_off = fields.Boolean(attribute="has_sign_off")
    themes = fields.List(fields.String())
    change_notes = fields.String(allow_none=True)
    lock_version = fields.Integer()
    scales = fields.List(fields.Nested(ScaleSchema))
    sections = fields.List(fields.Nested(SectionSchema))


class ImportFormSchema(Schema):
    """The multipart body: the workbook and, optionally, the template it is a new version of.

    Documented as one ``multipart/form-data`` body; ``file`` itself is read from ``request.files``.
    """

    template_id = fields.Integer(load_default=None, metadata={"description": "Add a version to this template"})
    file = fields.Raw(load_default=None, metadata={"type": "string", "format": "binary",
                                                   "description": "The template workbook (.xlsx)"})  # fmt: skip


TemplatePage = page_of(TemplateSchema, "TemplatePage")
_WORKBOOK_RESPONSE = {
    "200": {"description": "The template workbook (.xlsx)",
            "content": {XLSX_MIME: {"schema": {"type": "string", "format": "binary"}}}},
}  # fmt: skip


class UploadRefused(DomainError):
    """An upload refused before its content was read (413 too large, 415 not a workbook, 400 otherwise)."""

    def __init__(self, message, status=400, code="bad_request"):
        super().__init__(message)
        self.status, self.code = status, code


@blp.route("")
class Templates(MethodView):
    """The partnership's audit templates."""

    @requires("templates.view")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, TemplatePage)
    def get(self, args):
        """List templates with their versions (id, number, status, published_at)."""
        return paginated(queries.query_templates(), args)


@blp.route("/import")
class TemplateImport(MethodView):
    """Import a template workbook."""

    @requires("templates.manage")
    @blp.arguments(ImportFormSchema, location="form", content_type="multipart/form-data")
    @blp.response(201, VersionSchema)
    def post(self, form):
        """Import a workbook (multipart ``file``) as a new template, or with ``template_id`` as a new draft version
        of that template. 422 lists every problem with its sheet, row and column; nothing is saved then."""
        upload = request.files.get("file")
        if upload is None:
            raise UploadRefused("Send the workbook (.xlsx) as the multipart form field 'file'.")
        template = None
        if form.get("template_id") is not None:
            template = queries.get_template(form["template_id"])
            if template is None:
                raise NotFound("No template with that id.")
        data = upload.read()
        try:
            version = import_workbook(data, filename=upload.filename or None, template=template)
        except UploadRejected as exc:
            raise _refused(str(exc), data, upload.filename) from exc
        except WorkbookInvalid as exc:
            raise ValidationError(
                f"The workbook has {len(exc.problems)} problem(s); nothing was imported.",
                details={"problems": [p.as_dict() for p in exc.problems]},
            ) from exc
        db.session.commit()
        return queries.load_version_content(version.id)


def _refused(message, data, filename):
    """The status for a refused upload: too large, not a workbook at all, or an unsafe or damaged one."""
    if len(data) > current_app.config["UPLOAD_MAX_BYTES"]:
        return UploadRefused(message, 413, "payload_too_large")
    if data and (not data.startswith(b"PK\x03\x04") or not (filename or ".xlsx").lower().endswith(".xlsx")):
        return UploadRefused(message, 415, "unsupported_media_type")
    return UploadRefused(message)


@blp.route("/<int:template_id>/versions/<int:version_id>")
class VersionItem(MethodView):
    """One template version."""

    @requires("templates.view")
    @blp.response(200, VersionSchema)
    def get(self, template_id, version_id):
        """The full version: scales, sections and questions (code, type, scale with its levels, options, themes,
        required, show_if, agency_kinds, guidance)."""
        return queries.load_version_content(_get_version(template_id, version_id).id)


@blp.route("/<int:template_id>/versions/<int:version_id>/export.xlsx")
class VersionExport(MethodView):
    """The template workbook of a version."""

    @requires("templates.view")
    @blp.doc(responses=_WORKBOOK_RESPONSE)
    def get(self, template_id, version_id):
        """Download the version as a template workbook (the format import reads)."""
        version = _get_version(template_id, version_id)
        code = re.sub(r"[^A-Za-z0-9_]", "", version.template.code)
        return Response(
            export_version(version),
            mimetype=XLSX_MIME,
            headers={"Content-Disposition": f'attachment; filename="{code}-v{version.number}.xlsx"'},
        )


@blp.route("/<int:template_id>/versions/<int:version_id>/publish")
class VersionPublish(MethodView):
    """Publishing a draft."""

    @requires("templates.manage")
    @blp.response(200, VersionSummarySchema)
    def post(self, template_id, version_id):
        """Publish a draft: it is frozen from now on and new cycles use it (409 when it is not a draft)."""
        version = _get_version(template_id, version_id)
        operations.publish_version(version, user=api_user())
        db.session.commit()
        return version


def _get_version(template_id, version_id):
    version = queries.get_version(template_id, version_id)
    if version is None:
        raise NotFound("No such template version.")
    return version
