"""Domain errors: a refused request with its HTTP meaning (status, code, field), framework-free.

The web layer (`geo_app.web.errors`) renders them as JSON or HTML; the CLI prints their message."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused request: HTTP status, machine code, human message and the offending field."""

    http_status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        code: str | None = None,
        http_status: int | None = None,
        details: dict[str, Any] | None = None,
        msgid: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        # an English template (`msgid`) and its values, for the web layer to translate; None: `message` is all
        self.msgid = msgid
        self.params = params or {}
        self.field = field
        self.details = details or {}
        if code:
            self.code = code
        if http_status:
            self.http_status = http_status

    def to_dict(self) -> dict[str, Any]:
        """Return the error in the API's `{"error": {...}}` shape."""
        body: dict[str, Any] = {"code": self.code, "message": self.message, "field": self.field}
        body.update(self.details)
        return {"error": body}


class ValidationError(DomainError):
    """Bad input: a field is missing, of the wrong type or out of range."""

    http_status = 400
    code = "invalid"


class NotFound(DomainError):
    http_status = 404
    code = "not_found"


class Forbidden(DomainError):
    http_status = 403
    code = "forbidden"


class Conflict(DomainError):
    http_status = 409
    code = "conflict"


class IllegalTransition(DomainError):
    http_status = 422
    code = "illegal_transition"
