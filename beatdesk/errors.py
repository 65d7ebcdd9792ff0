"""Exceptions the domain raises; the web layer turns them into messages and status codes."""


class DomainError(Exception):
    """A rule refused the operation; ``str(exc)`` is a message fit for the user."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """Input broke a rule (duplicate, malformed, out of range)."""

    status_code = 400


class PermissionDenied(DomainError):
    """The actor may not do this to this object."""

    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """The object changed under the actor (e.g. someone else acted first)."""

    status_code = 409
