"""What each kind of organisation record holds, and how a value from a file, a form or JSON is checked.

Every kind has `code`, `name_zh` and `name_en`, then its own fields. CSV cells are text (an empty cell is
"not given"), JSON values are typed: the parsers accept both and name the field in every refusal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from geo_app.domain.core.validation import clean_text, parse_int
from geo_app.domain.errors import ValidationError
from geo_app.vocab import AREA_LEVELS, MEMBER_ROLES, ROLES

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")
Parser = Callable[[Any, str], Any]
SERVICE_TYPES = ("realtime", "batch", "blackbox")


def given(value: Any) -> bool:
    """Say whether a value was given (None and blank text are "not given")."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def text(max_len: int) -> Parser:
    return lambda v, f: clean_text(v, f, max_len)


def integer(low: int = 0, high: int = 10_000_000) -> Parser:
    return lambda v, f: parse_int(v, f, low, high)


def boolean(value: Any, f: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "y", "t", "是"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "n", "f", "否"):
        return False
    raise ValidationError(f"{f}: must be true or false", f)


def choice(values: tuple[str, ...]) -> Parser:
    def parse(value: Any, f: str) -> str:
        if not isinstance(value, str) or value.strip() not in values:
            raise ValidationError(f"{f}: must be one of {', '.join(values)}", f)
        return value.strip()

    return parse


def code(value: Any, f: str) -> str:
    if not isinstance(value, str) or not CODE.match(value.strip()):
        raise ValidationError(f"{f}: a code of 1-40 letters, digits, _ . - is required", f)
    return value.strip()


# street segment codes come from imports (`<source>:<way id>:<first vertex>`): wider than our own codes
SEGMENT_CODE = re.compile(r"^[^\s;,<>\"'&]{1,60}$")


def segment_code(value: Any, f: str) -> str:
    if not isinstance(value, str) or not SEGMENT_CODE.match(value.strip()):
        raise ValidationError(f"{f}: a street segment code is required", f)
    return value.strip()


def code_list(value: Any, f: str, item: Parser = code) -> list[str]:
    """A list of codes: a JSON list, or text separated by ; , or spaces."""
    if isinstance(value, str):
        value = [v for v in re.split(r"[;,\s]+", value) if v]
    if not isinstance(value, list) or len(value) > 100_000:
        raise ValidationError(f"{f}: a list of codes is required", f)
    codes = [item(v, f) for v in value]
    if len(set(codes)) != len(codes):
        raise ValidationError(f"{f}: a code is listed twice", f)
    return codes


def members(value: Any, f: str) -> list[dict[str, str | None]]:
    """Team members: a list of {name, role, department?, user?} (in CSV, the list as JSON text)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValidationError(f"{f}: a JSON list of {{name, role, department, user}} is required", f) from None
    if not isinstance(value, list) or len(value) > 500:
        raise ValidationError(f"{f}: a list of {{name, role, department, user}} is required", f)
    out = []
    for i, m in enumerate(value):
        where = f"{f}[{i}]"
        if not isinstance(m, dict):
            raise ValidationError(f"{where}: an object {{name, role, department, user}} is required", f)
        out.append(
            {
                "name": clean_text(m.get("name"), f"{where}.name", 80, required=True),
                "role": choice(MEMBER_ROLES)(m.get("role") or "liaison", f"{where}.role"),
                "department": code(m["department"], f"{where}.department") if given(m.get("department")) else None,
                "user": code(m["user"], f"{where}.user") if given(m.get("user")) else None,
            }
        )
    return out


@dataclass(frozen=True)
class Field:
    """One field of a kind: its name in files and the API, its column (None: handled by the kind) and parser."""

    name: str
    parse: Parser
    column: str | None = None
    required: bool = False  # on creation
    choices: tuple[str, ...] = ()  # for a form's select


@dataclass(frozen=True)
class Kind:
    name: str  # singular, as in the `kind` column: category
    plural: str  # as in the API path and the admin pages: categories
    table: str
    key: str  # the column holding the code
    fields: tuple[Field, ...]
    geometry: tuple[str, ...] = ()  # accepted GeoJSON geometry types; () = none
    geometry_required: bool = False
    name_columns: tuple[str, str] = ("name_zh", "name_en")
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        """Return the file and API field names in order (code and names first)."""
        return ("code", "name_zh", "name_en") + tuple(f.name for f in self.fields)


_ACTIVE = Field("active", boolean, "active")
POLYGONS = ("Polygon", "MultiPolygon")

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "channel",
            "channels",
            "channels",
            "code",
            (Field("position", integer(0, 1000), "position"), _ACTIVE),
        ),
        Kind("department", "departments", "departments", "code", (_ACTIVE,)),
        Kind(
            "category",
            "categories",
            "categories",
            "code",
            (
                Field("sla_days", integer(1, 3650), "sla_days", required=True),
                Field("blocks_access", boolean, "blocks_access"),
                Field("departments", code_list),
                Field("group", text(80), "group_name"),
                Field("keywords", text(2000), "keywords"),
                Field("service_code", code, "service_code"),
                Field("service_description", text(2000), "service_description"),
                Field("service_keywords", text(2000), "service_keywords"),
                Field("service_group", text(80), "service_group"),
                Field("service_type", choice(SERVICE_TYPES), "service_type", choices=SERVICE_TYPES),
                _ACTIVE,
            ),
        ),
        Kind(
            "area",
            "areas",
            "admin_areas",
            "code",
            (
                Field("level", choice(AREA_LEVELS), "level", required=True, choices=AREA_LEVELS),
                Field("parent", code),
                _ACTIVE,
            ),
            geometry=POLYGONS,
            geometry_required=True,
            name_columns=("name", "name_en"),
        ),
        Kind(
            "hall",
            "halls",
            "reception_halls",
            "code",
            (Field("address", text(200), "address"), Field("community", code), _ACTIVE),
            geometry=("Point",),
            geometry_required=True,
            name_columns=("name", "name_en"),
        ),
        Kind(
            "compound",
            "compounds",
            "compounds",
            "code",
            (
                Field("community", code),
                Field("households", integer(), "households"),
                Field("residents", integer(), "residents"),
                _ACTIVE,
            ),
            geometry=POLYGONS,
            geometry_required=True,
            name_columns=("name", "name_en"),
        ),
        Kind(
            "team",
            "teams",
            "teams",
            "code",
            (
                Field("community", code),
                Field("segments", lambda v, f: code_list(v, f, segment_code)),
                Field("members", members),
                _ACTIVE,
            ),
            geometry=POLYGONS,  # optional: a drawn area that selects the team's segments
            name_columns=("name", "name_en"),
        ),
        Kind(
            "user",
            "users",
            "users",
            "username",
            (
                Field("role", choice(ROLES), "role", required=True, choices=ROLES),
                Field("team", code),
                Field("department", code),
                Field("hall", code),
                Field("password", text(200)),
                _ACTIVE,
            ),
            name_columns=("display_name", ""),
        ),
    )
}
BY_PLURAL = {k.plural: k for k in KINDS.values()}
ORDER = ("channel", "department", "category", "area", "hall", "compound", "team", "user")  # references point back


def kind_named(name: Any) -> Kind:
    """Return the kind called `name` (singular or plural); refuse anything else naming the `kind` field."""
    if isinstance(name, str):
        found = KINDS.get(name.strip().lower()) or BY_PLURAL.get(name.strip().lower())
        if found:
            return found
    raise ValidationError(f"kind: must be one of {', '.join(ORDER)}", "kind")
