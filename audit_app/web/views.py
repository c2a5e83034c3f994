"""Home page, liveness check and error pages (HTML for pages, the API's JSON format under /api/)."""

import logging

from flask import current_app, jsonify, render_template, request
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from audit_app.core.errors import DomainError
from audit_app.web.forms import error_summary_params
from audit_app.web.navigation import nav_items

logger = logging.getLogger(__name__)


@login_required
def home():
    """The signed-in user's start page: what their role can do."""
    return render_template("web/home.html")


def healthz():
    """Liveness for load balancers: the app answers and the database responds."""
    from audit_app.extensions import db

    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


def inject_layout_context():
    """Values every page's layout needs."""
    user = current_user if current_user and current_user.is_authenticated else None
    return {
        "nav_items": nav_items(user) if user else [],
        "service_name": "Assure",
        "partnership_name": current_app.config.get("PARTNERSHIP_NAME"),
        "error_summary_params": error_summary_params,
    }


ERROR_TITLES = {
    400: "There is a problem with your request",
    401: "You need to sign in",
    403: "You do not have permission to do that",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "Someone else changed this first",
    413: "The file is too large",
    415: "That type of file is not accepted",
    422: "There is a problem with what you sent",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}
ERROR_MESSAGES = {
    404: "If you typed the web address, check it is correct. If you pasted it, check you copied all of it.",
    413: "The file must be smaller than the limit shown on the upload page. Remove unused sheets or rows, then retry.",
    429: "You have tried too many times in a short period. Wait a few minutes, then try again.",
    500: "Try again later. If the problem continues, contact the partnership's business unit.",
}


def _error_response(status, message, code=None, details=None):
    if request.path.startswith("/api/"):
        body = {"error": {"code": code or _api_code(status), "message": message, "details": details or {}}}
        return jsonify(body), status
    title = ERROR_TITLES.get(status, "There is a problem")
    return render_template("web/error.html", title=title, message=message, status=status), status


def _api_code(status):
    return {
        400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
        409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error",
        429: "too_many_requests",
    }.get(status, "server_error")  # fmt: skip


def handle_http_exception(exc):
    """Any HTTP error: the status with a plain-English explanation."""
    message = ERROR_MESSAGES.get(exc.code) or (exc.description if exc.code < 500 else ERROR_MESSAGES[500])
    if exc.code == 429:
        message = f"{ERROR_MESSAGES[429]} ({exc.description})"
    return _error_response(exc.code, message)


def handle_csrf_error(exc):
    """A form posted without a valid CSRF token (expired session, or not sent from our page)."""
    return _error_response(
        400,
        "The form could not be sent because its security token was missing or had expired. "
        "Go back, reload the page and try again.",
        code="csrf_failed",
    )


def handle_domain_error(exc):
    """An operation refused the request: show its message."""
    return _error_response(exc.status, exc.message, code=exc.code, details=exc.details)


def handle_unexpected(exc):
    """Anything unforeseen: log it, roll back, and say sorry without details."""
    from audit_app.extensions import db

    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    db.session.rollback()
    logger.exception("Unhandled error on %s %s", request.method, request.path)
    return _error_response(500, ERROR_MESSAGES[500])


ERROR_HANDLERS = {
    CSRFError: handle_csrf_error,
    DomainError: handle_domain_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
