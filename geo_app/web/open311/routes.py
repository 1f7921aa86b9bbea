"""Open311 GeoReport v2 under /open311/v2/: each document as .json or .xml; errors in the spec's format."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from flask.typing import ResponseReturnValue

from geo_app import profile as app_profile
from geo_app.config import intake_settings
from geo_app.domain.errors import DomainError, ValidationError
from geo_app.domain.open311 import georeport
from geo_app.domain.open311.xml_documents import list_document, object_document
from geo_app.extensions import csrf, db, db_session
from geo_app.web import param_schemas as S
from geo_app.web import params
from geo_app.web.i18n import LANGUAGES

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)  # POST is authorised by api_key, not by a session cookie
FMT = "<any(json, xml):fmt>"


def _lang() -> str:
    """The client's language: `locale` (en, en_US, zh-CN…) or `lang`, else Accept-Language, else Chinese.

    Open311 clients keep no session: nothing is remembered, and a browser's earlier ?lang= does not leak in."""
    asked = request.values.get("locale") or request.values.get("lang")
    if asked:
        code = asked.replace("_", "-").split("-")[0].strip().lower()
        if code in LANGUAGES:
            return code
    return request.accept_languages.best_match(LANGUAGES, default="zh") or "zh"


def _photo_url(photo_id: int) -> str:
    """The address of a published photo (absolute with PUBLIC_URL, else relative to this site)."""
    path = url_for("photos.show", photo_id=photo_id)
    public = current_app.config.get("PUBLIC_URL")
    return public.rstrip("/") + path if public else path


def _reply(fmt: str, kind: str, data: list[dict[str, Any]] | dict[str, Any], status: int = 200) -> Response:
    """Render a list document (services, requests, errors) or an object document in the asked format."""
    if fmt == "xml":
        body = list_document(kind, data) if isinstance(data, list) else object_document(kind, data)
        # exactly `text/xml`: validators compare the header whole, and Flask would add "; charset=utf-8"
        # to a text/* mimetype (the XML declaration carries the encoding)
        response = Response(body, status, content_type="text/xml")
    else:
        response = Response(json.dumps(data, ensure_ascii=False), status, content_type="application/json")
    response.headers["Content-Language"] = _lang()
    response.vary.add("Accept-Language")  # caches keep one answer per language
    return response


@bp.errorhandler(DomainError)
def _error(err: DomainError) -> ResponseReturnValue:
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return _reply(fmt, "errors", [{"code": err.http_status, "description": err.message}], err.http_status)


@bp.get(f"/discovery.{FMT}")
@params.declare()
def discovery(fmt: str) -> ResponseReturnValue:
    """Return the discovery document: where the v2 endpoint is and what it speaks."""
    # Never built from the request's Host header (anyone can send any): PUBLIC_URL when configured,
    # else a path relative to wherever the client found this document.
    path = url_for("open311.services", fmt="json").rsplit("/", 1)[0]
    public = current_app.config.get("PUBLIC_URL")
    base = public.rstrip("/") + path if public else path
    lang, profile = _lang(), app_profile.current(current_app)
    name = (profile.name_en if lang == "en" else profile.name) if profile else ""
    contact = (
        f"{name or 'Street-chief platform'} command centre (street-chief platform)"
        if lang == "en"
        else f"{name or '街长制'}指挥中心（街长制事件平台）"
    )
    data = {
        "changeset": "2020-11-06T00:00:00+08:00",
        "contact": contact,
        "key_service": "API keys are issued by the platform's administrators (flask api-key add LABEL).",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2020-11-06T00:00:00+08:00",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _reply(fmt, "discovery", data)


@bp.get(f"/services.{FMT}")
@params.declare()
def services(fmt: str) -> ResponseReturnValue:
    """Return the service list (our categories)."""
    return _reply(fmt, "services", georeport.services(db_session(), _lang()))


@bp.get(f"/services/<code>.{FMT}")
@params.declare()
def service_definition(code: str, fmt: str) -> ResponseReturnValue:
    """Return a service definition (its extra attributes)."""
    return _reply(fmt, "service_definition", georeport.service_definition(db_session(), code, _lang()))


@bp.get(f"/requests.{FMT}")
@params.declare(query=S.Open311Query)
def list_requests(fmt: str) -> ResponseReturnValue:
    """Return public requests filtered as the spec says (default: last 90 days, at most 1,000)."""
    query = georeport.parse_query(request.args.to_dict())
    return _reply(fmt, "requests", georeport.list_requests(db_session(), query, _lang(), photo_url=_photo_url))


@bp.post(f"/requests.{FMT}")
@params.declare(form=S.Open311Form)
def post_request(fmt: str) -> ResponseReturnValue:
    """Create a request from a form-encoded POST with an api_key."""
    if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise ValidationError("body: send the request form-encoded (application/x-www-form-urlencoded)", "body")
    form = request.form.to_dict()
    georeport.check_api_key(db_session(), form.get("api_key") or request.args.get("api_key"))
    created = georeport.post_request(db_session(), form, intake_settings())
    db.session.commit()
    return _reply(fmt, "requests", created)


@bp.get(f"/requests/<sid>.{FMT}")
@params.declare()
def get_request(sid: str, fmt: str) -> ResponseReturnValue:
    """Return one request (a one-element list, as the spec says)."""
    return _reply(fmt, "requests", georeport.get_request(db_session(), sid, _lang(), photo_url=_photo_url))


@bp.get(f"/tokens/<token>.{FMT}")
@params.declare()
def token(token: str, fmt: str) -> ResponseReturnValue:
    """Return the request id of a token (our requests are created at once: the token is the id)."""
    found = georeport.get_request(db_session(), token, _lang())
    return _reply(fmt, "requests", [{"service_request_id": found[0]["service_request_id"], "token": token}])
