"""Domain errors raised by operations; the web and API edges turn them into 4xx answers."""


class DomainError(Exception):
    """Base of errors a user can act on. ``code`` is the API error code, ``status`` its HTTP status."""

    code = "bad_request"
    status = 400

    def __init__(self, message, details=None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationError(DomainError):
    """Input that breaks a rule; ``details`` maps a field (or sheet/row/column) to what is wrong."""

    code = "validation_error"
    status = 422


class InvalidTransition(DomainError):
    """A state change that is not allowed from the object's current state."""

    code = "invalid_transition"
    status = 409


class ConflictError(DomainError):
    """An edit based on a stale version of the object (optimistic locking)."""

    code = "conflict"
    status = 409


class NotFound(DomainError):
    """An object that does not exist, or that the user may not know exists."""

    code = "not_found"
    status = 404


class Forbidden(DomainError):
    """An action the user's role or agency does not allow."""

    code = "forbidden"
    status = 403


class TooManyAttempts(DomainError):
    """Sign-in throttled for an account or address."""

    code = "too_many_requests"
    status = 429


def check_version(expected, current, message):
    """Optimistic locking: refuse an edit based on another version than the stored one.

    :param expected: the version the editor started from (None: the caller does not check).
    :param current: the stored version.
    :param message: what to tell the editor.
    :raises ConflictError: with ``details["current_version"]``.
    """
    if expected is not None and int(expected) != current:
        raise ConflictError(message, details={"current_version": current})
