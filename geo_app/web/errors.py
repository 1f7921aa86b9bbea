"""Flask's side of errors: domain errors and HTTP errors as JSON for API calls and as pages otherwise.

Every refused or failed request rolls the session back here, so that no view has to."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException

from geo_app.domain.errors import DomainError
from geo_app.extensions import db

T = TypeVar("T")
TITLES = {
    400: _l("The request could not be used"),
    401: _l("Please log in"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Not allowed"),
    409: _l("Someone else changed this meanwhile"),
    413: _l("Too large"),
    422: _l("Not possible now"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
}
FIELD_LABELS = {
    "lon": _l("Location"),
    "lat": _l("Location"),
    "category": _l("Category"),
    "description": _l("Description"),
    "version": _l("Version"),
    "reason": _l("Reason"),
    "note": _l("Note"),
    "due_at": _l("Date"),
    "departments": _l("Departments"),
    "unlinked_reason": _l("Why has it no street?"),
    "satisfaction": _l("Satisfaction"),
    "file": _l("Photo"),
    "photo": _l("Photo"),
    "start": _l("From"),
    "end": _l("To"),
    "area": _l("Area"),
    "period": _l("Period"),
    "format": _l("Format"),
    "q": _l("Search"),
    "limit": _l("Number of results"),
    "current_password": _l("Current password"),
    "new_password": _l("New password"),
    "confirm_password": _l("New password again"),
}


def localize(err: DomainError) -> str:
    """Return the error's message in the request's language: its template translated, else its words."""
    if err.msgid:
        return gettext(err.msgid, **err.params)
    field, sep, rest = err.message.partition(": ")
    if sep and field == err.field:  # "field: fixed words" — the fixed words may be in the catalog
        return f"{FIELD_LABELS.get(field, field)}: {gettext(rest)}"
    return gettext(err.message)


def _api_message(err: DomainError) -> str:
    """API messages follow the request's language when it names one (`?lang=`, Accept-Language), else English."""
    if request.args.get("lang") or request.headers.get("Accept-Language"):
        return localize(err)
    with force_locale("en"):
        return localize(err)


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
        retry = getattr(err, "retry_after", None)
        headers = {"Retry-After": str(retry)} if retry else {}
        if _wants_json():
            body = err.to_dict()
            body["error"]["message"] = _api_message(err)
            return jsonify(body), err.http_status, headers
        page = make_response(_page(err.http_status, localize(err), err.field))
        page.headers.update(headers)
        return page

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> ResponseReturnValue:
        # 500s arrive here too: whatever the view left half-done in the session must not be reused
        db.session.rollback()
        if not _wants_json():
            assert err.code is not None
            return _page(err.code, None, None)
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
        return _page(400, gettext("The form had expired. Go back, reload the page and send it again."), None)


def _page(status: int, message: str | None, field: str | None) -> ResponseReturnValue:
    """Render an error inside the normal layout (menu, language switch), with a way back."""
    try:
        html = render_template("errors/page.html", status=status, title=TITLES.get(status, ""), message=message)
    except Exception:  # the layout itself failing must not hide the original error
        html = f"<!doctype html><title>{status}</title><h1>{status}</h1>"
    return html, status
