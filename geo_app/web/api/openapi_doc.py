"""The OpenAPI 3.0 document of the JSON API (SPEC section 6) and of Open311 GeoReport v2.

Written by hand from the contract (names are fixed by the spec); `tests/interop` validates it and fuzzes
the running app with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import deepcopy
from typing import Any

from geo_app import vocab
from geo_app.domain.workflow import states
from geo_app.web.api import openapi_org

CATEGORIES = [
    "cooking_fumes",
    "noise",
    "illegal_parking",
    "dog_keeping",
    "water_renovation",
    "ac_dripping",
    "obstruction",
    "sanitation",
    "road_damage",
    "street_light",
]
CHANNELS = list(vocab.CHANNELS)
STATUSES = list(vocab.STATUSES)
ACTIONS = list(states.ACTIONS)
JSON = dict[str, Any]  # an object of the document


def _q(name: str, description: str, schema: JSON | None = None, required: bool = False) -> JSON:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _path(name: str, description: str, schema: JSON | None = None) -> JSON:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema or {"type": "string", "minLength": 1},
    }


def _json(ref_or_schema: str | JSON, description: str = "OK") -> JSON:
    schema = {"$ref": ref_or_schema} if isinstance(ref_or_schema, str) else ref_or_schema
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERR = {"$ref": "#/components/responses/Error"}
BBOX = _q(
    "bbox",
    "minLon,minLat,maxLon,maxLat (EPSG:4326)",
    {"type": "string", "pattern": r"^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$"},
)
START = _q("start", "first day, YYYY-MM-DD (local time)", {"type": "string", "format": "date"})
END = _q("end", "last day, YYYY-MM-DD, inclusive", {"type": "string", "format": "date"})
CATEGORY = _q("category", "category code", {"type": "string", "enum": CATEGORIES})
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
FC = "#/components/schemas/FeatureCollection"


def _get(
    summary: str, params: list[JSON], ok: str | JSON, secured: bool = True, errors: Iterable[int] = (400, 401, 403)
) -> JSON:
    op: JSON = {
        "summary": summary,
        "parameters": params,
        "responses": {"200": _json(ok) if not isinstance(ok, dict) or "description" not in ok else ok},
    }
    for code in errors:
        op["responses"][str(code)] = ERR
    if secured:
        op["security"] = BEARER
    return op


def _open311_paths() -> JSON:
    fmt = _path("format", "json or xml", {"type": "string", "enum": ["json", "xml"]})
    both = {
        "description": "OK",
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Open311Request"}}},
            "text/xml": {"schema": {"type": "string"}},
        },
    }
    errors = {str(c): {"$ref": "#/components/responses/Open311Error"} for c in (400, 403, 404)}
    req_params = [
        fmt,
        _q("service_request_id", "comma list of ids; overrides every other filter"),
        _q("service_code", "comma list of service codes"),
        _q("start_date", "W3C date/time, e.g. 2020-05-01T00:00:00Z", {"type": "string"}),
        _q("end_date", "W3C date/time; the range may not span more than 90 days", {"type": "string"}),
        _q("status", "open, closed or both (comma list)"),
        _q("jurisdiction_id", "ignored"),
    ]
    form = {
        "type": "object",
        "required": ["api_key", "service_code"],
        "properties": {
            "api_key": {"type": "string"},
            "service_code": {"type": "string"},
            "lat": {"type": "number"},
            "long": {"type": "number"},
            "address_string": {"type": "string"},
            "description": {"type": "string", "maxLength": 4000},
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
            "phone": {"type": "string"},
            "email": {"type": "string"},
            "device_id": {"type": "string"},
            "account_id": {"type": "string"},
            "attribute[plate_number]": {"type": "string"},
        },
    }
    simple = {
        "description": "OK",
        "content": {"application/json": {"schema": {}}, "text/xml": {"schema": {"type": "string"}}},
    }
    return {
        "/open311/v2/discovery.{format}": {
            "get": {
                "summary": "Open311 discovery",
                "tags": ["open311"],
                "parameters": [fmt],
                "responses": {"200": simple},
            }
        },
        "/open311/v2/services.{format}": {
            "get": {
                "summary": "Open311 service list (our categories)",
                "tags": ["open311"],
                "parameters": [fmt],
                "responses": {"200": simple},
            }
        },
        "/open311/v2/services/{service_code}.{format}": {
            "get": {
                "summary": "Open311 service definition",
                "tags": ["open311"],
                "parameters": [_path("service_code", "a category code"), fmt],
                "responses": {"200": simple, "404": errors["404"]},
            }
        },
        "/open311/v2/requests.{format}": {
            "get": {
                "summary": "Open311 requests (public, no personal data)",
                "tags": ["open311"],
                "parameters": req_params,
                "responses": {"200": both, "400": errors["400"]},
            },
            "post": {
                "summary": "Open311: post a request (api_key required)",
                "tags": ["open311"],
                "parameters": [fmt],
                "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": form}}},
                "responses": {"200": simple, **errors},
            },
        },
        "/open311/v2/requests/{service_request_id}.{format}": {
            "get": {
                "summary": "Open311: one request",
                "tags": ["open311"],
                "parameters": [_path("service_request_id", "issue reference, e.g. DT-2020-00001"), fmt],
                "responses": {"200": both, "404": errors["404"]},
            }
        },
        "/open311/v2/tokens/{token}.{format}": {
            "get": {
                "summary": "Open311: request id of a token",
                "tags": ["open311"],
                "parameters": [_path("token", "token returned by POST requests"), fmt],
                "responses": {"200": simple, "404": errors["404"]},
            }
        },
    }


def _api_paths() -> JSON:
    ref = _path("ref", "issue reference, e.g. DT-2020-00001")
    issue_in = {
        "type": "object",
        "required": ["category", "description", "lon", "lat", "channel"],
        "properties": {
            "category": {"type": "string", "enum": CATEGORIES},
            "description": {"type": "string", "maxLength": 4000},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "channel": {"type": "string", "enum": CHANNELS},
            "address": {"type": "string", "maxLength": 200},
            "reporter_name": {"type": "string", "maxLength": 80},
            "reporter_phone": {"type": "string", "maxLength": 40},
            "visit_id": {"type": "integer"},
            "confirm_unlinked": {"type": "boolean", "description": "file a point beyond the snap distance"},
            "unlinked_reason": {"type": "string", "maxLength": 200},
        },
    }
    action_in = {
        "type": "object",
        "required": ["action", "version"],
        "properties": {
            "action": {"type": "string", "enum": ACTIONS},
            "version": {"type": "integer", "minimum": 1},
            "departments": {"type": "array", "items": {"type": "string"}},
            "dispatch_id": {"type": "integer"},
            "resolution": {"type": "string", "enum": list(vocab.RESOLUTIONS)},
            "passed": {"type": "boolean"},
            "reason": {"type": "string"},
            "into": {"type": "string"},
            "due_at": {"type": "string", "format": "date-time"},
            "note": {"type": "string"},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "confirm_unlinked": {"type": "boolean"},
            "approve": {"type": "boolean"},
            "satisfaction": {"type": "string", "enum": list(vocab.SATISFACTION)},
            "method": {"type": "string", "enum": list(vocab.FOLLOW_UP_METHODS)},
            "public": {"type": "boolean", "description": "publish: Open311 shows the description and media_url"},
        },
    }
    return {
        "/api/token": {
            "post": {
                "summary": "Exchange username and password for a bearer token",
                "tags": ["auth"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["username", "password"],
                                "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        {"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}
                    ),
                    "400": ERR,
                    "401": ERR,
                },
            }
        },
        "/api/token/refresh": {
            "post": {
                "summary": "Exchange a valid bearer token for a fresh one (tokens live an hour)",
                "tags": ["auth"],
                "security": BEARER,
                "responses": {
                    "200": _json(
                        {"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}
                    ),
                    "401": ERR,
                },
            }
        },
        "/api/token/revoke": {
            "post": {
                "summary": "Revoke every token and login session of the bearer's user",
                "tags": ["auth"],
                "security": BEARER,
                "responses": {"200": _json({"type": "object"}), "401": ERR},
            }
        },
        "/api/segments": {"get": _get("Street segments in a bounding box", [BBOX], FC)},
        "/api/fire-lanes": {"get": _get("Fire lanes with status and people served", [], FC)},
        "/api/issues": {
            "get": _get(
                "Issues within the caller's scope (paged GeoJSON)",
                [
                    BBOX,
                    _q("status", "issue status", {"type": "string", "enum": STATUSES}),
                    CATEGORY,
                    _q("team", "team code"),
                    _q("segment", "segment code or id"),
                    START,
                    END,
                    _q("unlinked", "true: the review queue of issues with no segment", {"type": "boolean"}),
                    _q("awaiting", "true: 待验收, every department summoned is done", {"type": "boolean"}),
                    _q("page", "page number, up to 10,000 rows deep (then cursor)", {"type": "integer", "minimum": 1}),
                    _q("per_page", "page size", {"type": "integer", "minimum": 1, "maximum": 200}),
                    _q("cursor", "next_cursor of the page before: the page that follows it (any depth)"),
                ],
                FC,
            ),
            "post": {
                "summary": "Report an issue",
                "security": BEARER,
                "tags": ["issues"],
                "requestBody": {"required": True, "content": {"application/json": {"schema": issue_in}}},
                "responses": {
                    "201": _json("#/components/schemas/IssueCreated", "Created"),
                    **{str(c): ERR for c in (400, 401, 403, 422)},
                },
            },
        },
        "/api/issues/{ref}": {
            "get": _get(
                "One issue with its events and dispatches",
                [ref],
                "#/components/schemas/Feature",
                errors=(401, 403, 404),
            )
        },
        "/api/issues/{ref}/actions": {
            "post": {
                "summary": "Act on an issue (state machine, version-checked)",
                "security": BEARER,
                "tags": ["issues"],
                "parameters": [ref],
                "requestBody": {"required": True, "content": {"application/json": {"schema": action_in}}},
                "responses": {
                    "200": _json("#/components/schemas/Feature"),
                    **{str(c): ERR for c in (400, 401, 403, 404, 409, 422)},
                },
            }
        },
        "/api/public/issues": {
            "get": _get(
                "Resolved issues, generalised, no personal data (no login)",
                [BBOX, CATEGORY, START, END],
                FC,
                secured=False,
                errors=(400,),
            )
        },
        "/api/search": {
            "get": _get(
                "Places by name, pinyin initials (yhnl) or part (银湖); segment codes and issue references in the"
                " caller's scope with a login. Items: kind, label, code or ref, bbox [w, s, e, n], detail",
                [
                    _q("q", "what to find (at most 60 characters)", {"type": "string", "maxLength": 60}, True),
                    _q("limit", "number of results, 1-20 (10)", {"type": "integer", "minimum": 1, "maximum": 20}),
                ],
                {"type": "array", "items": {"type": "object"}},
                secured=False,
                errors=(400,),
            )
        },
        "/api/stats": {
            "get": _get(
                "The district report (same object as `report --format json`)",
                [START, END, _q("area", "area code or team:CODE")],
                "#/components/schemas/Stats",
            )
        },
        "/api/hotspots": {
            "get": _get(
                "Hotspots: Getis-Ord Gi* segments or DBSCAN clusters",
                [
                    _q("method", "gistar or dbscan", {"type": "string", "enum": ["gistar", "dbscan"]}),
                    CATEGORY,
                    START,
                    END,
                    _q("area", "administrative area code, or team:CODE (Gi* then weighs that area's segments only)"),
                    _q(
                        "radius",
                        "dbscan: neighbourhood radius in metres; default derived from the period's issues (the "
                        "distance within which the densest tenth have min_size issues); the answer's "
                        "`parameters` member says which radius and min_size were used",
                        {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 5000},
                    ),
                    _q(
                        "min_size",
                        "dbscan: fewest issues within the radius that make a cluster's core; default √n/4 "
                        "of the period's n issues, between 5 and 50",
                        {"type": "integer", "minimum": 2},
                    ),
                ],
                FC,
            )
        },
        "/api/deployment": {
            "get": _get(
                "The deployment profile: name, name_en, timezone, metric_srid, ref_prefix, bbox, public_by_default",
                [],
                {"type": "object"},
                secured=False,
                errors=(404,),
            ),
            "patch": {
                "summary": "Change name, name_en, ref_prefix or public_by_default (admin); time zone and CRS are fixed",
                "security": BEARER,
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": _json({"type": "object"}), "400": ERR, "401": ERR, "403": ERR},
            },
        },
        "/healthz": {
            "get": _get(
                "200 when the app, its database and its profile answer",
                [],
                {"type": "object"},
                secured=False,
                errors=(),
            )
        },
        "/tiles/{layer}/{z}/{x}/{y}.pbf": {
            "get": {
                "summary": "Mapbox vector tile of a layer",
                "tags": ["tiles"],
                "parameters": [
                    _path("layer", "layer name"),
                    _path("z", "zoom", {"type": "integer", "minimum": 0, "maximum": 22}),
                    _path("x", "column", {"type": "integer", "minimum": 0}),
                    _path("y", "row", {"type": "integer", "minimum": 0}),
                ],
                "responses": {
                    "200": {
                        "description": "tile",
                        "content": {
                            "application/vnd.mapbox-vector-tile": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    "204": {"description": "empty tile"},
                    **{str(c): ERR for c in (400, 401, 403, 404)},
                },
            }
        },
        "/api/coverage": {"get": _get("Team coverage areas, uncovered segments and overlaps", [], {"type": "object"})},
        "/api/fire-lanes/{code}/status": {
            "post": {
                "summary": "Set a fire lane's status (history kept)",
                "security": BEARER,
                "tags": ["fire lanes"],
                "parameters": [_path("code", "fire lane code, e.g. FL-01")],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["status"],
                                "properties": {
                                    "status": {"type": "string", "enum": ["blocked", "partly_blocked", "clear"]},
                                    "note": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json({"type": "object"}),
                    **{str(c): ERR for c in (400, 401, 403, 404, 409, 422)},
                },
            }
        },
        "/api/openapi.json": {"get": {"summary": "This document", "responses": {"200": _json({"type": "object"})}}},
    }


COMPONENTS = {
    "securitySchemes": {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "POST /api/token, then Authorization: Bearer <token>",
        }
    },
    "responses": {
        "Error": _json(
            {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "field": {"type": "string", "nullable": True},
                        },
                    }
                },
            },
            "Error",
        ),
        "Open311Error": {
            "description": "Open311 errors",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["code", "description"],
                            "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
                        },
                    }
                },
                "text/xml": {"schema": {"type": "string"}},
            },
        },
    },
    "schemas": {
        "Feature": {
            "type": "object",
            "required": ["type", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "geometry": {"type": "object", "nullable": True},
                "properties": {"type": "object"},
            },
        },
        "FeatureCollection": {
            "type": "object",
            "required": ["type", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}},
            },
        },
        "IssueCreated": {
            "type": "object",
            "properties": {
                "ref": {"type": "string"},
                "segment_id": {"type": "integer", "nullable": True},
                "team": {"nullable": True},
                "status": {"type": "string", "enum": STATUSES},
                "version": {"type": "integer"},
            },
        },
        "Stats": {
            "type": "object",
            "required": [
                "visits",
                "issues_collected",
                "solved_on_site",
                "solved_by_team",
                "open",
                "overdue",
                "fire_lanes_opened",
            ],
            "properties": {
                k: {"type": "integer"}
                for k in (
                    "visits",
                    "issues_collected",
                    "solved_on_site",
                    "solved_by_team",
                    "open",
                    "overdue",
                    "fire_lanes_opened",
                )
            },
        },
        "Open311Request": {
            "type": "object",
            "required": ["service_request_id", "status", "service_code", "requested_datetime", "lat", "long"],
            "properties": {
                "service_request_id": {"type": "string"},
                "status": {"type": "string", "enum": ["open", "closed"]},
                "status_notes": {"type": "string"},
                "service_name": {"type": "string"},
                "service_code": {"type": "string"},
                "agency_responsible": {"type": "string"},
                "service_notice": {"type": "string"},
                "requested_datetime": {"type": "string", "format": "date-time"},
                "updated_datetime": {"type": "string", "format": "date-time"},
                "expected_datetime": {"type": "string", "format": "date-time", "nullable": True},
                "address": {"type": "string"},
                "lat": {"type": "number"},
                "long": {"type": "number"},
            },
        },
    },
}


def document(server_url: str = "/") -> JSON:
    """Return the OpenAPI document (a fresh copy each time)."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Street-chief incident platform (街长制) API",
            "version": "1.0.0",
            "description": "The JSON API of SPEC section 6 and Open311 GeoReport v2.",
        },
        "servers": [{"url": server_url}],
        "paths": {**_api_paths(), **openapi_org.paths(), **_open311_paths()},
        "components": deepcopy(COMPONENTS),
    }
