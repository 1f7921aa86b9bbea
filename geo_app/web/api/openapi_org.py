"""The organisation API's part of the OpenAPI document (SPEC 6: staff read, admins write), built from the
kinds' own field lists so that the document and the code cannot disagree; merged by `openapi_doc`."""

from __future__ import annotations

from typing import Any

from geo_app.domain.organisation.fields import KINDS, SERVICE_TYPES, Kind
from geo_app.vocab import AREA_LEVELS, ROLES

JSON = dict[str, Any]
ERR = {"$ref": "#/components/responses/Error"}
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
_TYPES: dict[str, JSON] = {
    "sla_days": {"type": "integer", "minimum": 1, "maximum": 3650},
    "position": {"type": "integer", "minimum": 0, "maximum": 1000},
    "households": {"type": "integer", "minimum": 0},
    "residents": {"type": "integer", "minimum": 0},
    "blocks_access": {"type": "boolean"},
    "active": {"type": "boolean"},
    "departments": {"type": "array", "items": {"type": "string"}},
    "segments": {"type": "array", "items": {"type": "string"}},
    "members": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "maxLength": 80},
                "role": {"type": "string", "enum": ["chief", "secretary", "liaison", "member"]},
                "department": {"type": "string"},
                "user": {"type": "string"},
            },
        },
    },
    "service_type": {"type": "string", "enum": list(SERVICE_TYPES)},
    "level": {"type": "string", "enum": list(AREA_LEVELS)},
    "role": {"type": "string", "enum": list(ROLES)},
    "password": {"type": "string", "minLength": 8, "maxLength": 200, "writeOnly": True},
}


def _schema(kind: Kind, creating: bool) -> JSON:
    props: JSON = {
        "code": {"type": "string", "minLength": 1, "maxLength": 60},
        "name_zh": {"type": "string", "maxLength": 120},
        "name_en": {"type": "string", "maxLength": 120},
    }
    for f in kind.fields:
        props[f.name] = _TYPES.get(f.name, {"type": "string"})
    if kind.geometry:
        props["geometry"] = {"type": "object", "description": f"GeoJSON {' or '.join(kind.geometry)}, EPSG:4326"}
    required = ["code", "name_zh", *(f.name for f in kind.fields if f.required)] if creating else []
    if creating and kind.geometry_required:
        required.append("geometry")
    schema: JSON = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return schema


def _json(schema: JSON, description: str = "OK") -> JSON:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def paths() -> JSON:
    """Return the document's paths of `/api/<kind>` and `/api/<kind>/{code}` for every kind."""
    out: JSON = {}
    for kind in KINDS.values():
        record = _schema(kind, creating=False)
        tag = ["organisation"]
        out[f"/api/{kind.plural}"] = {
            "get": {
                "summary": f"List the {kind.plural} (staff)",
                "tags": tag,
                "security": BEARER,
                "parameters": [
                    {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 80}},
                    {"name": "active", "in": "query", "required": False, "schema": {"type": "boolean"}},
                ],
                "responses": {"200": _json({"type": "array", "items": record}), **dict.fromkeys(("400", "401"), ERR)},
            },
            "post": {
                "summary": f"Create a {kind.name} (admin; audited)",
                "tags": tag,
                "security": BEARER,
                "requestBody": {"required": True, "content": {"application/json": {"schema": _schema(kind, True)}}},
                "responses": {"201": _json(record, "Created"), **dict.fromkeys(("400", "401", "403", "409"), ERR)},
            },
        }
        code = {"name": "code", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        out[f"/api/{kind.plural}/{{code}}"] = {
            "get": {
                "summary": f"One {kind.name} (staff)",
                "tags": tag,
                "security": BEARER,
                "parameters": [code],
                "responses": {"200": _json(record), **dict.fromkeys(("401", "404"), ERR)},
            },
            "patch": {
                "summary": f"Change a {kind.name}; `active: false` retires it (admin; audited)",
                "tags": tag,
                "security": BEARER,
                "parameters": [code],
                "requestBody": {"required": True, "content": {"application/json": {"schema": record}}},
                "responses": {"200": _json(record), **dict.fromkeys(("400", "401", "403", "404", "409"), ERR)},
            },
        }
    return out
