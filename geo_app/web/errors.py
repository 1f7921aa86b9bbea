"""Flask's side of errors: domain errors and HTTP errors as JSON for API calls and as pages otherwise.

Every refused or failed request rolls the session back here, so that no view has to."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, jsonify, render_template_string, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException

from geo_app.domain.errors import DomainError
from geo_app.extensions import db

T = TypeVar("T")
_PAGE = "<!doctype html><title>{{ code }}</title><h1>{{ code }}</h1><p>{{ msg }}</p>"


def committed(work: Callable[[], T]) -> T | DomainError:
    """Run `work` and commit; on a DomainError roll back and return the error (for forms shown again)."""
    try:
        result = work()
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return err
    return result


def _wants_json() -> bool:
    return (
        request.path.startswith(("/api/", "/tiles/"))
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    )


def register_error_handlers(app: Flask) -> None:
    """Render DomainError as JSON for API calls and as a short page otherwise; roll back on every error."""

    @app.errorhandler(DomainError)
    def _domain_error(err: DomainError) -> ResponseReturnValue:
        db.session.rollback()
        if _wants_json():
            return jsonify(err.to_dict()), err.http_status
        return render_template_string(_PAGE, code=err.http_status, msg=err.message), err.http_status

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> ResponseReturnValue:
        # 500s arrive here too: whatever the view left half-done in the session must not be reused
        db.session.rollback()
        if not _wants_json():
            return err
        body = {
            "error": {
                "code": (err.name or "error").lower().replace(" ", "_"),
                "message": err.description,
                "field": None,
            }
        }
        assert err.code is not None  # Flask hands only exceptions with a code to error handlers
        return jsonify(body), err.code

    @app.errorhandler(CSRFError)
    def _csrf_error(err: BadRequest) -> ResponseReturnValue:  # a CSRFError: a BadRequest (Flask-WTF has no types)
        db.session.rollback()
        if _wants_json():
            return jsonify({"error": {"code": "csrf", "message": err.description, "field": "csrf_token"}}), 400
        return err
