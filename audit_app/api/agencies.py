"""Agencies: list (any signed-in role), create and update (admin)."""

from flask.views import MethodView

from audit_app.agencies import operations, queries
from audit_app.api.auth import requires
from audit_app.api.pagination import paginated
from audit_app.api.schemas import (
    AgencyCreateSchema,
    AgencyListArgsSchema,
    AgencySchema,
    AgencyUpdateSchema,
    ApiBlueprint,
    page_of,
)
from audit_app.core.errors import NotFound
from audit_app.extensions import db

blp = ApiBlueprint("api_agencies", __name__, url_prefix="/api/v1/agencies", description="Agencies")
AgencyPage = page_of(AgencySchema, "AgencyPage")


@blp.route("")
class Agencies(MethodView):
    """The partnership's agencies."""

    @requires("agencies.list")
    @blp.arguments(AgencyListArgsSchema, location="query")
    @blp.response(200, AgencyPage)
    def get(self, args):
        """List agencies, filterable by kind, duty and active."""
        query = queries.query_agencies(
            kind=args.get("kind"), duty=args.get("duty"), active_only=args.get("active") is True
        )
        if args.get("active") is False:
            query = queries.query_agencies(kind=args.get("kind"), duty=args.get("duty")).where(
                queries.Agency.is_active.is_(False)
            )
        return paginated(query, args)

    @requires("agencies.manage")
    @blp.arguments(AgencyCreateSchema)
    @blp.response(201, AgencySchema)
    def post(self, data):
        """Create an agency (admin)."""
        agency = operations.create_agency(**data)
        db.session.commit()
        return agency


@blp.route("/<int:agency_id>")
class AgencyItem(MethodView):
    """One agency."""

    @requires("agencies.list")
    @blp.response(200, AgencySchema)
    def get(self, agency_id):
        """One agency."""
        return _get(agency_id)

    @requires("agencies.manage")
    @blp.arguments(AgencyUpdateSchema)
    @blp.response(200, AgencySchema)
    def patch(self, data, agency_id):
        """Change an agency (admin); send the ``version`` you read, a stale one gets 409."""
        agency = _get(agency_id)
        operations.update_agency(agency, expected_version=data.pop("version"), **data)
        db.session.commit()
        return agency


def _get(agency_id):
    agency = queries.get_agency(agency_id)
    if agency is None:
        raise NotFound("No agency with that id.")
    return agency
