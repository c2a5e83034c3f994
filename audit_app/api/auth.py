"""Bearer-token authentication for the API, and the token endpoints."""

import functools

from flask import g, request
from flask.views import MethodView

from audit_app.agencies import operations
from audit_app.api.schemas import ApiBlueprint, TokenRequestSchema, TokenSchema
from audit_app.core.audit import set_actor
from audit_app.core.errors import DomainError, Forbidden, TooManyAttempts
from audit_app.core.permissions import require
from audit_app.extensions import db

blp = ApiBlueprint("api_auth", __name__, url_prefix="/api/v1/auth", description="Tokens")

#: (endpoint, method) pairs that answer without a token.
PUBLIC = frozenset({("api_system.health", "GET"), ("api_auth.Token", "POST"), ("api-docs.openapi_json", "GET")})


class Unauthorized(DomainError):
    """No valid token was sent."""

    code = "unauthorized"
    status = 401


def _bearer_token():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticate_request():
    """Resolve the bearer token to a user (``g.api_user``); refuse protected endpoints without one."""
    token = _bearer_token()
    g.api_user = operations.user_for_api_token(token) if token else None
    if g.api_user is not None:
        set_actor(g.api_user, remote_addr=request.remote_addr, channel="api")
    elif (request.endpoint, request.method) not in PUBLIC and request.method not in ("OPTIONS", "HEAD"):
        raise Unauthorized("Send a valid token: 'Authorization: Bearer <token>' (POST /api/v1/auth/token gives one).")


def api_user():
    """The user the current API call acts as."""
    return g.api_user


def requires(action):
    """Decorate an API view so that the permission is checked before the body is parsed or validated."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            require(g.api_user, action)
            return func(*args, **kwargs)

        return wrapper

    return decorator


def require_api(action, obj=None):
    """Ask the permission policy for the API user (``NotFound`` for another agency's objects)."""
    require(g.api_user, action, obj)


@blp.route("/token")
class Token(MethodView):
    """Issue and revoke tokens."""

    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    @blp.doc(security=[])
    def post(self, data):
        """Exchange an e-mail and password for a bearer token (throttled like the sign-in page)."""
        try:
            user = operations.authenticate(data["email"], data["password"], remote_addr=request.remote_addr)
        except TooManyAttempts:
            db.session.commit()
            raise
        if user is None:
            db.session.commit()
            raise Unauthorized("Enter a correct email address and password.")
        if user.must_change_password:
            db.session.commit()
            raise Forbidden("This account must choose a new password in the web app before using the API.")
        row, token = operations.issue_api_token(user)
        db.session.commit()
        return {"token": token, "expires_at": row.expires_at}

    @blp.response(204)
    def delete(self):
        """Revoke the token this request was sent with."""
        operations.revoke_api_token(_bearer_token())
        db.session.commit()
        return ""
