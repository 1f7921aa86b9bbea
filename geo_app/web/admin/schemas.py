"""The parameter schemas of the admin pages and the organisation API (see geo_app.web.params).

Loose on purpose: the kinds' own parsers (geo_app.domain.organisation.fields, store) say in the user's
language what is wrong with a value; these only bound what may reach them. A field that one kind lacks is
still declared: the form and the body of every kind share one model, the domain refuses what a kind lacks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from geo_app.web.params import Params

Code = Field(None, max_length=60)
Short = Field(None, max_length=200)
Long = Field(None, max_length=4000)
Flag = Field(None, max_length=10)  # true/false/1/0/yes/no/是/否 as typed: fields.boolean reads them
Number = Field(None, max_length=40)
# lists of codes, members and geometry as text in a form: bounded like a form value at the edge
Big = Field(None, max_length=100_000)
Password = Field(None, max_length=1000)

# organisation codes as JSON items: street segment codes reach 60 characters
ListedCode = Annotated[str, Field(max_length=60)]
# a JSON number or the same number as text (a CSV-minded client): fields.integer reads both
Whole = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)] | Annotated[str, Field(max_length=40)]
Yes = bool | Annotated[str, Field(max_length=10)]
# a team member {name, role, department, user}: fields.members checks the role and the codes
Member = dict[Annotated[str, Field(max_length=60)], Annotated[str, Field(max_length=200)] | None]


class ListingQuery(Params):
    """GET /admin/<kind>: a search and the active filter."""

    q: str | None = Short  # the view keeps its first 80 characters
    active: Literal["true", "false"] | None = None


class AuditQuery(Params):
    """GET /admin/audit: one kind's changes (an unknown kind shows every change)."""

    kind: str | None = Code


class RecordForm(Params):
    """POST /admin/<kind>/new and /admin/<kind>/<code>: the record's fields as typed (the file comes apart)."""

    code: str | None = Code
    name_zh: str | None = Short
    name_en: str | None = Short
    sla_days: str | None = Number
    blocks_access: str | None = Flag
    departments: str | None = Big
    group: str | None = Short
    keywords: str | None = Long
    service_code: str | None = Code
    service_description: str | None = Long
    service_keywords: str | None = Long
    service_group: str | None = Short
    service_type: str | None = Code
    active: str | None = Flag
    position: str | None = Number
    level: str | None = Code
    parent: str | None = Code
    address: str | None = Short
    community: str | None = Code
    households: str | None = Number
    residents: str | None = Number
    segments: str | None = Big
    members: str | None = Big
    role: str | None = Code
    team: str | None = Code
    department: str | None = Code
    hall: str | None = Code
    password: str | None = Password
    geometry: str | None = Big  # GeoJSON text; a geometry_file upload is bounded by the view (MAX_UPLOAD)


class ActiveForm(Params):
    """POST /admin/<kind>/<code>/active: retire ("false") or bring back ("true")."""

    active: str | None = Flag


class OrgListQuery(Params):
    """GET /api/<kind>: a search and the active filter."""

    q: str | None = Short  # the view keeps its first 80 characters
    active: Literal["true", "false"] | None = None


class RecordBody(Params):
    """POST /api/<kind> and PATCH /api/<kind>/<code>: typed JSON values, or the same values as text."""

    code: str | None = Code
    name_zh: str | None = Short
    name_en: str | None = Short
    sla_days: Whole | None = None
    blocks_access: Yes | None = None
    departments: list[ListedCode] | Annotated[str, Field(max_length=100_000)] | None = Field(None, max_length=100_000)
    group: str | None = Short
    keywords: str | None = Long
    service_code: str | None = Code
    service_description: str | None = Long
    service_keywords: str | None = Long
    service_group: str | None = Short
    service_type: str | None = Code
    active: Yes | None = None
    position: Whole | None = None
    level: str | None = Code
    parent: str | None = Code
    address: str | None = Short
    community: str | None = Code
    households: Whole | None = None
    residents: Whole | None = None
    segments: list[ListedCode] | Annotated[str, Field(max_length=100_000)] | None = Field(None, max_length=100_000)
    members: list[Member] | Annotated[str, Field(max_length=100_000)] | None = Field(None, max_length=500)
    role: str | None = Code
    team: str | None = Code
    department: str | None = Code
    hall: str | None = Code
    password: str | None = Password
    geometry: dict[str, Any] | None = None  # GeoJSON: the JSON body's own bounds (size, depth) hold it
