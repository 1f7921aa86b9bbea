"""The parameter schemas of the admin pages and the organisation API (see geo_app.web.params).

Loose on purpose: the kinds' own parsers (geo_app.domain.organisation.fields, store) say in the user's
language what is wrong with a value; these only bound what may reach them. A field that one kind lacks is
still declared: the form and the body of every kind share one model, the domain refuses what a kind lacks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from geo_app.web.params import Code, Flag, Params, Password, Short, Text, Typed

# lists of codes, members and geometry as text in a form: bounded like a form value at the edge
Big = Field(None, max_length=100_000)

# organisation codes as JSON items: street segment codes reach 60 characters
ListedCode = Code
# a JSON number or the same number as text (a CSV-minded client): fields.integer reads both
Whole = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)] | Typed
Yes = bool | Flag
# a team member {name, role, department, user}: fields.members checks the role and the codes
Member = dict[Code, Short | None]


class ListingQuery(Params):
    """GET /admin/<kind>: a search and the active filter."""

    q: Short | None = None  # the view keeps its first 80 characters
    active: Literal["true", "false"] | None = None


class AuditQuery(Params):
    """GET /admin/audit: one kind's changes (an unknown kind shows every change)."""

    kind: Code | None = None


class RecordForm(Params):
    """POST /admin/<kind>/new and /admin/<kind>/<code>: the record's fields as typed (the file comes apart)."""

    code: Code | None = None
    name_zh: Short | None = None
    name_en: Short | None = None
    sla_days: Typed | None = None
    blocks_access: Flag | None = None
    departments: str | None = Big
    group: Short | None = None
    keywords: Text | None = None
    service_code: Code | None = None
    service_description: Text | None = None
    service_keywords: Text | None = None
    service_group: Short | None = None
    service_type: Code | None = None
    active: Flag | None = None
    position: Typed | None = None
    level: Code | None = None
    parent: Code | None = None
    address: Short | None = None
    community: Code | None = None
    households: Typed | None = None
    residents: Typed | None = None
    segments: str | None = Big
    members: str | None = Big
    role: Code | None = None
    team: Code | None = None
    department: Code | None = None
    hall: Code | None = None
    password: Password | None = None
    geometry: str | None = Big  # GeoJSON text; a geometry_file upload is bounded by the view (MAX_UPLOAD)


class ActiveForm(Params):
    """POST /admin/<kind>/<code>/active: retire ("false") or bring back ("true")."""

    active: Flag | None = None


class OrgListQuery(Params):
    """GET /api/<kind>: a search and the active filter."""

    q: Short | None = None  # the view keeps its first 80 characters
    active: Literal["true", "false"] | None = None


class RecordBody(Params):
    """POST /api/<kind> and PATCH /api/<kind>/<code>: typed JSON values, or the same values as text."""

    code: Code | None = None
    name_zh: Short | None = None
    name_en: Short | None = None
    sla_days: Whole | None = None
    blocks_access: Yes | None = None
    departments: list[ListedCode] | Annotated[str, Field(max_length=100_000)] | None = Field(None, max_length=100_000)
    group: Short | None = None
    keywords: Text | None = None
    service_code: Code | None = None
    service_description: Text | None = None
    service_keywords: Text | None = None
    service_group: Short | None = None
    service_type: Code | None = None
    active: Yes | None = None
    position: Whole | None = None
    level: Code | None = None
    parent: Code | None = None
    address: Short | None = None
    community: Code | None = None
    households: Whole | None = None
    residents: Whole | None = None
    segments: list[ListedCode] | Annotated[str, Field(max_length=100_000)] | None = Field(None, max_length=100_000)
    members: list[Member] | Annotated[str, Field(max_length=100_000)] | None = Field(None, max_length=500)
    role: Code | None = None
    team: Code | None = None
    department: Code | None = None
    hall: Code | None = None
    password: Password | None = None
    geometry: dict[str, Any] | None = None  # GeoJSON: the JSON body's own bounds (size, depth) hold it
