"""Domain errors carry their HTTP meaning; the handlers render them as JSON or HTML."""
from __future__ import annotations

from flask import Flask, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A refused request: HTTP status, machine code, human message and the offending field."""

    http_status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None, *, code: str | None = None,
                 http_status: int | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}
        if code:
            self.code = code
        if http_status:
            self.http_status = http_status

    def to_dict(self) -> dict:
        """Return the error in the API's `{"error": {...}}` shape."""
        body = {"code": self.code, "message": self.message, "field": self.field}
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


def _wants_json() -> bool:
    return (request.path.startswith(("/api/", "/tiles/")) or request.is_json
            or request.accept_mimetypes.best == "application/json")


def register_error_handlers(app: Flask) -> None:
    """Render DomainError as JSON for API calls and as a short page otherwise."""

    @app.errorhandler(DomainError)
    def _domain_error(err: DomainError):
        if _wants_json():
            return jsonify(err.to_dict()), err.http_status
        from flask import render_template_string
        page = "<!doctype html><title>{{ code }}</title><h1>{{ code }}</h1><p>{{ msg }}</p>"
        return render_template_string(page, code=err.http_status, msg=err.message), err.http_status

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        if not _wants_json():
            return err
        body = {"error": {"code": (err.name or "error").lower().replace(" ", "_"),
                          "message": err.description, "field": None}}
        return jsonify(body), err.code

    @app.errorhandler(CSRFError)
    def _csrf_error(err: CSRFError):
        if _wants_json():
            return jsonify({"error": {"code": "csrf", "message": err.description, "field": "csrf_token"}}), 400
        return err
