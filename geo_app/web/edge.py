"""The request's edge: what every request must be before any view reads it.

Paths, query strings and url-encoded forms must be valid UTF-8 without NUL or other control characters
(forms may keep tabs and line breaks), and of bounded length; JSON bodies of bounded size and depth.
A refusal is a 400 naming the field. Views then parse values into typed, bounded ones with
`geo_app.domain.core.validation`. The database being away is a 503 with Retry-After, not a 500.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError

from geo_app.domain.errors import ValidationError
from geo_app.extensions import db

MAX_QUERY_VALUE = 4000
MAX_FORM_VALUE = 100_000
MAX_JSON_BYTES = 1_000_000
MAX_JSON_DEPTH = 32
_QUERY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FORM_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing documents nested deeper than MAX_JSON_DEPTH (as invalid JSON: a 400)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if len(s) > MAX_JSON_BYTES:
            raise ValueError(f"JSON body larger than {MAX_JSON_BYTES} bytes")
        if _depth(s) > MAX_JSON_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return json.loads(s, **kwargs)


_BRACKETS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _depth(s: str | bytes) -> int:
    """Return the deepest nesting of arrays and objects in `s` (strings skipped), cheaply, without parsing."""
    data = s.encode() if isinstance(s, str) else s
    depth = deepest = 0
    for token in _BRACKETS.findall(data):
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return deepest
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def _pairs(raw: bytes) -> list[tuple[bytes, bytes]]:
    out = []
    for part in raw.split(b"&"):
        if part:
            name, _, value = part.partition(b"=")
            out.append((unquote_to_bytes(name.replace(b"+", b" ")), unquote_to_bytes(value.replace(b"+", b" "))))
    return out


def _check_pairs(raw: bytes, control: re.Pattern[str], max_len: int) -> None:
    for raw_name, raw_value in _pairs(raw):
        try:
            name = raw_name.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError("a parameter name is not valid UTF-8", "parameter") from None
        field = name[:60] if not _QUERY_CONTROL.search(name) else "parameter"
        if field != name[:60]:
            raise ValidationError("a parameter name holds control characters", "parameter")
        try:
            value = raw_value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(f"{field}: not valid UTF-8", field) from None
        if control.search(value) and field != "next":  # a hostile `next` is dropped by safe_next, not refused
            raise ValidationError(f"{field}: control characters (such as NUL) are not allowed", field)
        if len(value) > max_len:
            raise ValidationError(f"{field}: at most {max_len} characters", field)


def check_request() -> None:
    """Refuse a request whose path, query or form is not clean text (400 naming the field)."""
    if _QUERY_CONTROL.search(request.path) or "\ufffd" in request.path:
        raise ValidationError("path: control characters or invalid UTF-8 in the URL", "path")
    _check_pairs(request.query_string, _QUERY_CONTROL, MAX_QUERY_VALUE)
    if request.mimetype == "application/x-www-form-urlencoded":
        _check_pairs(request.get_data(cache=True), _FORM_CONTROL, MAX_FORM_VALUE)
    elif request.mimetype == "multipart/form-data":
        for name, value in request.form.items(multi=True):
            if _FORM_CONTROL.search(value) or "\ufffd" in value or len(value) > MAX_FORM_VALUE:
                raise ValidationError(f"{name[:60]}: control characters, invalid UTF-8 or too long", name[:60])


def _unavailable(err: Exception) -> ResponseReturnValue:
    """The database is away (restarting, overloaded): ask the client to come back shortly."""
    db.session.rollback()
    body = {"error": {"code": "unavailable", "message": "the database is unavailable; retry shortly", "field": None}}
    return jsonify(body), 503, {"Retry-After": "2"}


def _db_error(err: DBAPIError) -> ResponseReturnValue:
    if err.connection_invalidated or isinstance(err, OperationalError):
        return _unavailable(err)
    raise err


def register(app: Flask) -> None:
    """Install the edge checks, the JSON limits and the database-unavailable answer on `app`."""
    app.json_provider_class = JSONProvider
    app.json = JSONProvider(app)
    app.config.setdefault("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)  # photos; JSON has its own bound
    app.config.setdefault("MAX_FORM_MEMORY_SIZE", 2 * 1024 * 1024)
    app.config.setdefault("MAX_FORM_PARTS", 200)
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
    app.register_error_handler(OperationalError, _unavailable)
    app.register_error_handler(DisconnectionError, _unavailable)
    app.register_error_handler(DBAPIError, _db_error)
