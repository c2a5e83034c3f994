"""Users: the caller's own record, and administration (admin)."""

from flask.views import MethodView

from audit_app.agencies import operations, queries
from audit_app.api.auth import api_user, requires
from audit_app.api.pagination import paginated
from audit_app.api.schemas import ApiBlueprint, UserCreateSchema, UserListArgsSchema, UserSchema, page_of
from audit_app.core.errors import NotFound
from audit_app.extensions import db

blp = ApiBlueprint("api_users", __name__, url_prefix="/api/v1", description="Users")
UserPage = page_of(UserSchema, "UserPage")


@blp.route("/me")
@requires("account.use")
@blp.response(200, UserSchema)
def me():
    """The user the token belongs to."""
    return api_user()


@blp.route("/users")
class Users(MethodView):
    """The partnership's users (admin)."""

    @requires("users.manage")
    @blp.arguments(UserListArgsSchema, location="query")
    @blp.response(200, UserPage)
    def get(self, args):
        """List users, filterable by role, agency and active."""
        return paginated(
            queries.query_users(role=args.get("role"), agency_id=args.get("agency_id"), active=args.get("active")), args
        )

    @requires("users.manage")
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Create a user with a password, or without one and ``"invite": true`` to e-mail an invitation."""
        invite = data.pop("invite")
        user = operations.create_user(**data)
        if invite or data.get("password") is None:
            operations.invite_user(user, invited_by=api_user())
        db.session.commit()
        return user


@blp.route("/users/<int:user_id>")
@requires("users.manage")
@blp.response(200, UserSchema)
def user_item(user_id):
    """One user (admin)."""
    user = queries.get_user(user_id)
    if user is None:
        raise NotFound("No user with that id.")
    return user
