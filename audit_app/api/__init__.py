"""JSON API v1 over the same operations and queries as the web pages; OpenAPI generated from the code."""

from flask import g, request
from flask_smorest import Api

from audit_app.api.auth import authenticate_request
from audit_app.extensions import csrf


class AssureApi(Api):
    """flask-smorest's Api, leaving error formatting to the app's handlers (the contract's ``{"error": ...}``)."""

    def _register_error_handlers(self):
        """Errors are answered by the web package's handlers, which use the API format under /api/."""


api = AssureApi(
    spec_kwargs={
        "info": {"description": "Assure JSON API v1. Authenticate with POST /api/v1/auth/token, then send "
                 "'Authorization: Bearer <token>'. Errors: {\"error\": {\"code\", \"message\", \"details\"}}."},
        "security": [{"bearerAuth": []}],
    }
)  # fmt: skip


def register_api(app):
    """Register the API blueprints, token authentication and the bearer security scheme."""
    from audit_app.api import agencies, auth, cycles, system, templates, users

    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for module in (system, auth, agencies, users, templates, cycles):
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp)
    csrf.exempt("api-docs")

    @app.before_request
    def _api_auth():
        if request.blueprint and request.blueprint.startswith("api"):
            g.channel = "api"
            return authenticate_request()
        return None
