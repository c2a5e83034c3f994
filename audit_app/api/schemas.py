"""Marshmallow schemas of the API: what goes in (validated, unknown fields refused) and what comes out."""

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from webargs.flaskparser import FlaskParser

from audit_app.agencies.models.agencies import AgencyKind, StatutoryDuty
from audit_app.core.db import MAX_ID
from audit_app.core.errors import DomainError, ValidationError
from audit_app.core.permissions import Role


class ApiParser(FlaskParser):
    """webargs' parser, raising our domain errors so that bad input gets the contract's error body with details."""

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        details = {}
        for location, messages in error.messages.items():
            if isinstance(messages, dict):  # keys are str so that the JSON body can be sorted (unnamed fields: "")
                details.update({str(field or ""): problem for field, problem in messages.items()})
            else:
                details[location] = messages
        raise ValidationError("Some values are missing or not valid: see details.", details=details)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        raise DomainError("The request body is not valid JSON.", details={"json": ["Invalid JSON body."]})


class ApiBlueprint(Blueprint):
    """flask-smorest's Blueprint with the parser above."""

    ARGUMENTS_PARSER = ApiParser()


class PageArgsSchema(Schema):
    """``?page=&per_page=`` (per_page at most 500)."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class PageSchema(Schema):
    """The envelope of every list."""

    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


def page_of(item_schema, name):
    """A list envelope schema ``{"items": [...], "page", "per_page", "total"}`` for ``item_schema``."""
    return type(name, (PageSchema,), {"items": fields.List(fields.Nested(item_schema))})


class ErrorDetailSchema(Schema):
    """The error body: ``{"error": {"code", "message", "details"}}``."""

    code = fields.String()
    message = fields.String()
    details = fields.Dict()


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema)


class TokenRequestSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class TokenSchema(Schema):
    token = fields.String()
    expires_at = fields.DateTime()


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()


_KINDS = [k.value for k in AgencyKind]
_DUTIES = [d.value for d in StatutoryDuty]


class AgencySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    duty = fields.String()
    is_active = fields.Boolean()
    contact_email = fields.String(allow_none=True)
    version = fields.Integer()


class AgencyCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(_KINDS))
    duty = fields.String(load_default=StatutoryDuty.NONE.value, validate=validate.OneOf(_DUTIES))
    is_active = fields.Boolean(load_default=True)
    contact_email = fields.Email(load_default=None, allow_none=True)


class AgencyUpdateSchema(Schema):
    version = fields.Integer(required=True)
    name = fields.String(validate=validate.Length(min=1, max=200))
    kind = fields.String(validate=validate.OneOf(_KINDS))
    duty = fields.String(validate=validate.OneOf(_DUTIES))
    is_active = fields.Boolean()
    contact_email = fields.Email(allow_none=True)


class AgencyListArgsSchema(PageArgsSchema):
    kind = fields.String(validate=validate.OneOf(_KINDS))
    duty = fields.String(validate=validate.OneOf(_DUTIES))
    active = fields.Boolean()


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    agency_id = fields.Integer(allow_none=True)
    is_active = fields.Boolean()
    version = fields.Integer()


class UserCreateSchema(Schema):
    email = fields.Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    agency_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_ID))
    password = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1024))
    invite = fields.Boolean(load_default=False)


class UserListArgsSchema(PageArgsSchema):
    role = fields.String(validate=validate.OneOf([r.value for r in Role]))
    agency_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    active = fields.Boolean()
