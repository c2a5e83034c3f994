"""Cycles and returns: create, open and close cycles; list and read returns; save drafts with optimistic locking;
submit, decline, return for amendment and accept. The handlers call the cycles package's operations and queries."""

from flask import jsonify
from flask.views import MethodView
from marshmallow import Schema, fields, validate, validates
from marshmallow import ValidationError as SchemaError
from sqlalchemy.orm import selectinload

from audit_app.api.auth import api_user, require_api, requires
from audit_app.api.pagination import paginated
from audit_app.api.schemas import ApiBlueprint, PageArgsSchema, page_of
from audit_app.core.db import get_by_id
from audit_app.core.errors import NotFound, ValidationError
from audit_app.core.permissions import can
from audit_app.cycles import operations, queries
from audit_app.cycles.models.cycles import Cycle, CycleStatus
from audit_app.extensions import db
from audit_app.tools.models.templates import TemplateKind, TemplateVersion

blp = ApiBlueprint("api_cycles", __name__, url_prefix="/api/v1", description="Cycles and returns")

TEXT_MAX = 20000
GROUPS = ("s11", "s175", "schools", "all")


# --- Schemas -------------------------------------------------------------------------------------------------------
class AgencyRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class CycleCaseSchema(Schema):
    id = fields.Integer()
    reference = fields.String()


class CycleCaseInSchema(Schema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=40))


class CycleCreateSchema(Schema):
    template_version_id = fields.Integer(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    scope_start = fields.Date(required=True)
    scope_end = fields.Date(required=True)
    opens_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    meeting_on = fields.Date(load_default=None, allow_none=True)
    agency_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=1000))
    agency_group = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(GROUPS))
    cases = fields.List(fields.Nested(CycleCaseInSchema), load_default=None, validate=validate.Length(max=1000))
    terms_of_reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=TEXT_MAX))


class CycleListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf([s.value for s in CycleStatus]))


class CycleSummarySchema(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    kind = fields.Function(lambda c: c.template_version.template.kind.value)
    template_version_id = fields.Integer()
    template = fields.Function(lambda c: {"id": c.template_version.template_id, "name": c.template_version.name})
    scope_start = fields.Date()
    scope_end = fields.Date()
    opens_on = fields.Date()
    due_on = fields.Date()
    meeting_on = fields.Date(allow_none=True)
    version = fields.Integer(attribute="lock_version")


class CycleSchema(CycleSummarySchema):
    terms_of_reference = fields.String(allow_none=True)
    created_at = fields.DateTime()
    opened_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    agencies = fields.List(fields.Nested(AgencyRefSchema))
    cases = fields.List(fields.Nested(CycleCaseSchema))
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "status -> number"})
    total = fields.Integer()


class AssignmentSummarySchema(Schema):
    id = fields.Integer()
    cycle_id = fields.Integer()
    agency = fields.Nested(AgencyRefSchema)
    case_reference = fields.Function(lambda a: a.case.reference if a.case is not None else None)
    status = fields.String()
    version = fields.Integer()
    assignee_id = fields.Integer(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class AssignmentAnswerSchema(Schema):
    value = fields.Raw(allow_none=True, metadata={"description": "level/option value, list of them, number, "
                                                                 "ISO date or text"})  # fmt: skip
    comment = fields.String(allow_none=True)


class AssignmentSectionSchema(Schema):
    good_practice = fields.String(allow_none=True, validate=validate.Length(max=TEXT_MAX))
    areas_for_development = fields.String(allow_none=True, validate=validate.Length(max=TEXT_MAX))
    grade = fields.String(allow_none=True, validate=validate.Length(max=40))


class AssignmentSignOffSchema(Schema):
    completed_by = fields.String(allow_none=True, validate=validate.Length(max=500))
    role = fields.String(allow_none=True, validate=validate.Length(max=500))
    senior_sign_off = fields.String(allow_none=True, validate=validate.Length(max=500))
    sign_off_date = fields.String(allow_none=True, validate=validate.Length(max=40))


class AssignmentSchema(AssignmentSummarySchema):
    template_version_id = fields.Integer()
    editable = fields.Boolean()
    decline_reason = fields.String(allow_none=True)
    returned_reason = fields.String(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    answers = fields.Dict(keys=fields.String(), values=fields.Nested(AssignmentAnswerSchema))
    sections = fields.Dict(keys=fields.String(), values=fields.Nested(AssignmentSectionSchema))
    sign_off = fields.Nested(AssignmentSignOffSchema, allow_none=True)
    missing = fields.List(fields.String(), metadata={"description": "required questions still unanswered"})


class AssignmentAnswerInSchema(Schema):
    value = fields.Raw(load_default=None, allow_none=True)
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=TEXT_MAX))

    @validates("value")
    def _plain_json(self, value, **_kwargs):
        """A scalar, or a list of strings (multiple choice); objects never fit any question."""
        if isinstance(value, list):
            if len(value) > 200 or not all(isinstance(v, str) for v in value):
                raise SchemaError("A list answer must be a list of option values (strings).")
        elif value is not None and not isinstance(value, str | int | float | bool):
            raise SchemaError("Send a string, a number, a list of option values or null.")


class AssignmentAnswersInSchema(Schema):
    version = fields.Integer(required=True, metadata={"description": "the version you read; stale -> 409"})
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.Nested(AssignmentAnswerInSchema),
        load_default=dict,
    )
    sections = fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                           values=fields.Nested(AssignmentSectionSchema), load_default=None)  # fmt: skip
    sign_off = fields.Nested(AssignmentSignOffSchema, load_default=None)


class AssignmentVersionInSchema(Schema):
    version = fields.Integer(load_default=None, allow_none=True)


class AssignmentDeclineInSchema(AssignmentVersionInSchema):
    status = fields.String(required=True, validate=validate.OneOf(["not_known", "out_of_scope"]))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class AssignmentReasonInSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class ParticipationTotalsSchema(Schema):
    audited = fields.Integer()
    not_known = fields.Integer()
    out_of_scope = fields.Integer()
    outstanding = fields.Integer()
    total = fields.Integer()


class ParticipationRowSchema(ParticipationTotalsSchema):
    agency_id = fields.Integer()
    agency = fields.String()


class ParticipationSchema(Schema):
    cycle_id = fields.Integer()
    items = fields.List(fields.Nested(ParticipationRowSchema))
    totals = fields.Nested(ParticipationTotalsSchema)


CyclePage = page_of(CycleSummarySchema, "CyclePage")
#: The plain fields of the bodies built before the commit (schemas are costly to build: once, here).
_CYCLE_FIELDS = CycleSchema(exclude=("counts", "total"))
_ASSIGNMENT_FIELDS = AssignmentSchema(exclude=("answers", "sections", "missing", "template_version_id", "editable"))
AssignmentPage = page_of(AssignmentSummarySchema, "AssignmentPage")


# --- Cycles --------------------------------------------------------------------------------------------------------
@blp.route("/cycles")
class Cycles(MethodView):
    """Audit cycles."""

    @requires("cycles.view")
    @blp.arguments(CycleListArgsSchema, location="query")
    @blp.response(200, CyclePage)
    def get(self, args):
        """List cycles, newest due date first (filterable by status)."""
        query = queries.query_cycles(status=args.get("status")).options(
            selectinload(Cycle.template_version).selectinload(TemplateVersion.template)
        )
        return paginated(query, args)

    @requires("cycles.manage")
    @blp.arguments(CycleCreateSchema)
    @blp.response(201, CycleSchema)
    def post(self, data):
        """Create a draft cycle with its assignments: agencies by id and/or group; cases for case audits only."""
        version = get_by_id(db.session, TemplateVersion, data["template_version_id"])
        if version is not None and version.template.kind == TemplateKind.SELF_ASSESSMENT and data["cases"]:
            raise ValidationError("The cycle could not be created.",
                                  details={"cases": "A self-assessment has no cases: leave cases out"})  # fmt: skip
        agencies, errors = _agencies(data)
        try:
            cycle = operations.create_cycle(
                version=version, title=data["title"], scope_start=data["scope_start"], scope_end=data["scope_end"],
                opens_on=data["opens_on"], due_on=data["due_on"], meeting_on=data["meeting_on"], agencies=agencies,
                references=[c["reference"] for c in data["cases"] or []],
                terms_of_reference=data["terms_of_reference"], user=api_user(),
            )  # fmt: skip
        except ValidationError as exc:
            raise ValidationError(exc.message, details={**exc.details, **errors}) from exc
        return _commit(_cycle_body(cycle)), 201


def _agencies(data):
    """The agencies asked for, and the problems with them (reported together with the other fields')."""
    try:
        return operations.select_agencies(agency_ids=data["agency_ids"], group=data["agency_group"]), {}
    except ValidationError as exc:
        return [], exc.details


@blp.route("/cycles/<int:cycle_id>")
@requires("cycles.view")
@blp.response(200, CycleSchema)
def cycle_item(cycle_id):
    """One cycle with its agencies, cases and the number of assignments in each status."""
    return jsonify(_cycle_body(_cycle(cycle_id)))


@blp.route("/cycles/<int:cycle_id>/open", methods=["POST"])
@requires("cycles.manage")
@blp.response(200, CycleSchema)
def cycle_open(cycle_id):
    """Open a draft cycle so that agencies can start (409 when it is not a draft)."""
    cycle = operations.open_cycle(_cycle(cycle_id))
    return _commit(_cycle_body(cycle))


@blp.route("/cycles/<int:cycle_id>/close", methods=["POST"])
@requires("cycles.manage")
@blp.response(200, CycleSchema)
def cycle_close(cycle_id):
    """Close an open cycle: returns can no longer change (409 when it is not open)."""
    cycle = operations.close_cycle(_cycle(cycle_id))
    return _commit(_cycle_body(cycle))


@blp.route("/cycles/<int:cycle_id>/assignments")
@requires("returns.view")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, AssignmentPage)
def cycle_assignments(args, cycle_id):
    """The cycle's assignments (returns); an agency's users see only their own agency's."""
    cycle = _cycle(cycle_id)
    user = api_user()
    agency_id = None
    if not can(user, "cycles.view"):
        if user.agency_id not in {a.id for a in cycle.agencies}:
            raise NotFound("No cycle with that id.")
        agency_id = user.agency_id
    return paginated(queries.query_assignments(cycle.id, agency_id=agency_id), args)


@blp.route("/cycles/<int:cycle_id>/participation")
@requires("cycles.view")
@blp.response(200, ParticipationSchema)
def cycle_participation(cycle_id):
    """Per agency: audited (submitted or accepted), not known, out of scope, outstanding and total; with totals."""
    cycle = _cycle(cycle_id)
    rows = queries.participation(cycle.id)
    keys = ("audited", "not_known", "out_of_scope", "outstanding", "total")
    return {"cycle_id": cycle.id, "items": rows, "totals": {k: sum(r[k] for r in rows) for k in keys}}


def _cycle(cycle_id):
    cycle = queries.get_cycle(cycle_id)
    if cycle is None:
        raise NotFound("No cycle with that id.")
    return cycle


def _cycle_body(cycle):
    counts = queries.count_by_status(cycle.id)
    return {**_CYCLE_FIELDS.dump(cycle), "counts": counts, "total": sum(counts.values())}


def _commit(body):
    """Commit after the response body was built (building it after would reload every expired object), and answer
    with it as it is: it was dumped by the documented schema already."""
    db.session.commit()
    return jsonify(body)


# --- Assignments (returns) -----------------------------------------------------------------------------------------
@blp.route("/assignments/<int:assignment_id>")
@requires("returns.view")
@blp.response(200, AssignmentSchema)
def assignment_item(assignment_id):
    """One return with its answers keyed by question code (``{value, comment}``), section responses and sign-off."""
    return jsonify(_assignment_body(_assignment(assignment_id, "returns.view")))


@blp.route("/assignments/<int:assignment_id>/answers", methods=["PUT"])
@requires("returns.edit")
@blp.arguments(AssignmentAnswersInSchema)
@blp.response(200, AssignmentSchema)
def assignment_answers(data, assignment_id):
    """Save a draft (any subset of answers). Send the ``version`` you read: a stale one gets 409 with
    ``details.current_version``; values that do not fit get 422 with a message per question code."""
    assignment = _assignment(assignment_id, "returns.edit", for_update=True)
    operations.save_answers(
        assignment, data["answers"], user=api_user(), expected_version=data["version"], sections=data["sections"],
        sign_off=data["sign_off"],
    )  # fmt: skip
    return _commit(_assignment_body(assignment))


@blp.route("/assignments/<int:assignment_id>/submit", methods=["POST"])
@requires("returns.edit")
@blp.arguments(AssignmentVersionInSchema)
@blp.response(200, AssignmentSchema)
def assignment_submit(data, assignment_id):
    """Submit a return: 422 with ``details.missing`` listing unanswered required question codes."""
    assignment = _assignment(assignment_id, "returns.edit", for_update=True)
    operations.submit_return(assignment, user=api_user(), expected_version=data["version"])
    return _commit(_assignment_body(assignment))


@blp.route("/assignments/<int:assignment_id>/decline", methods=["POST"])
@requires("returns.edit")
@blp.arguments(AssignmentDeclineInSchema)
@blp.response(200, AssignmentSchema)
def assignment_decline(data, assignment_id):
    """Record that the case is not known to the agency, or out of scope, with a reason."""
    assignment = _assignment(assignment_id, "returns.edit", for_update=True)
    operations.decline_return(assignment, status=data["status"], reason=data["reason"], user=api_user(),
                              expected_version=data["version"])  # fmt: skip
    return _commit(_assignment_body(assignment))


@blp.route("/assignments/<int:assignment_id>/return", methods=["POST"])
@requires("returns.review")
@blp.arguments(AssignmentReasonInSchema)
@blp.response(200, AssignmentSchema)
def assignment_return(data, assignment_id):
    """Return a submitted (or accepted) return to the agency for amendment, with a reason."""
    assignment = _assignment(assignment_id, "returns.review", for_update=True)
    operations.return_for_amendment(assignment, reason=data["reason"], user=api_user())
    return _commit(_assignment_body(assignment))


@blp.route("/assignments/<int:assignment_id>/accept", methods=["POST"])
@requires("returns.review")
@blp.response(200, AssignmentSchema)
def assignment_accept(assignment_id):
    """Accept a submitted return."""
    assignment = _assignment(assignment_id, "returns.review", for_update=True)
    operations.accept_return(assignment, user=api_user())
    return _commit(_assignment_body(assignment))


def _assignment(assignment_id, action, *, for_update=False):
    """The assignment, checked against the policy (another agency's is not found), with its tool loaded whole."""
    get = queries.get_assignment_for_update if for_update else queries.get_assignment
    assignment = get(assignment_id)
    if assignment is None:
        raise NotFound("No return with that id.")
    require_api(action, assignment)
    queries.load_return_content(assignment)
    return assignment


def _assignment_body(assignment):
    answers = {a.question.code: {"value": a.value, "comment": a.comment} for a in assignment.answers}
    sections = {
        r.section_code: {"good_practice": r.good_practice, "areas_for_development": r.areas_for_development,
                         "grade": r.grade}
        for r in assignment.section_responses
    }  # fmt: skip
    return {**_ASSIGNMENT_FIELDS.dump(assignment), "template_version_id": assignment.cycle.template_version_id,
            "editable": assignment.is_editable, "answers": answers, "sections": sections,
            "missing": operations.missing_required(assignment)}  # fmt: skip
