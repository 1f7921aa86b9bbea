"""Declared request parameters: each route says which query, form or JSON fields it reads, with their types
and bounds, as a small pydantic model; the value is checked before the view runs (400 naming the field).

    @bp.get("/report/snap.json")
    @params.declare(query=SnapQuery)
    def snap(): lon, lat = g.params.lon, g.params.lat

A route that reads nothing declares `NoParams`. Unknown fields are ignored (clients add `lang` and the
like); the edge (`geo_app.web.edge`) has already refused bad UTF-8, control characters and huge values.
tests/security/test_param_schemas.py walks the URL map: a covered route without a declaration fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import wraps
from types import UnionType
from typing import Annotated, Any, ParamSpec, TypeVar, Union, get_args, get_origin

import pydantic
from flask import g, request
from pydantic import BaseModel, ConfigDict, Field

from geo_app.domain.errors import ValidationError

P = ParamSpec("P")
R = TypeVar("R")
SOURCES = ("query", "form", "json")

# shared field types: bounded like the edge and the domain parsers (SPEC 7)
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2100, 12, 31))]
Count = Annotated[int, Field(ge=0, le=2**63 - 1)]
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Code = Annotated[str, Field(max_length=60)]
Text = Annotated[str, Field(max_length=4000)]
Ref = Annotated[str, Field(max_length=40)]
# Loose text: a value that a domain parser reads and, when wrong, names in the user's language; the
# declaration only bounds its length
Short = Annotated[str, Field(max_length=200)]
Typed = Annotated[str, Field(max_length=40)]  # a number or a date as typed
When = Annotated[str, Field(max_length=64)]  # a date and time as typed
Flag = Annotated[str, Field(max_length=10)]  # "1", "true", "on", 是…
Codes = Annotated[str, Field(max_length=400)]  # codes, comma-separated
Password = Annotated[str, Field(max_length=1000)]
NextPath = Annotated[str, Field(max_length=2000)]  # a path on this site (redirects.safe_next)


class Params(BaseModel):
    """Base of every declaration: frozen, unknown fields ignored, strings stripped."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)


class NoParams(Params):
    """The route reads no parameters."""


def _flat(values: Mapping[str, Any], model: type[Params]) -> dict[str, Any]:
    """Return the fields of `model` from a MultiDict (lists where the model wants a list) or a JSON object."""
    getlist = getattr(values, "getlist", None)
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key not in values:
            continue
        value = getlist(key) if getlist and _wants_list(field.annotation) else values[key]
        if value != "":  # an empty form field is an absent one
            out[name] = value
    return out


def _wants_list(annotation: Any) -> bool:
    """Return whether a field's type is a list, or a union holding one (`list[Code] | None`)."""
    if get_origin(annotation) is list:
        return True
    return get_origin(annotation) in (Union, UnionType) and any(get_origin(a) is list for a in get_args(annotation))


# pydantic's messages are English only: each kind of error gets fixed words that the catalog translates
# (geo_app.web.errors.localize puts the field's label in front), with pydantic's own text kept in `detail`
WORDS = {
    "missing": "is required",
    "string_too_long": "too long",
    "string_too_short": "too short",
    "string_type": "text is required",
    "int_parsing": "a whole number is required",
    "int_type": "a whole number is required",
    "int_from_float": "a whole number is required",
    "float_parsing": "a number is required",
    "float_type": "a number is required",
    "finite_number": "a number is required",
    "bool_parsing": "yes or no is required",
    "bool_type": "yes or no is required",
    "date_parsing": "a date (YYYY-MM-DD) is required",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD) is required",
    "date_from_datetime_inexact": "a date (YYYY-MM-DD) is required",
    "date_type": "a date (YYYY-MM-DD) is required",
    "datetime_parsing": "a date and time is required",
    "datetime_from_date_parsing": "a date and time is required",
    "greater_than": "out of range",
    "greater_than_equal": "out of range",
    "less_than": "out of range",
    "less_than_equal": "out of range",
    "too_long": "too many values",
    "literal_error": "not one of the allowed values",
    "enum": "not one of the allowed values",
    "list_type": "a list is required",
    "dict_type": "an object is required",
}


def parse(model: type[Params], values: Mapping[str, Any]) -> Params:
    """Return `values` checked against `model`; a ValidationError (400) naming the first bad field."""
    try:
        return model.model_validate(_flat(values, model))
    except pydantic.ValidationError as err:
        first = err.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "parameter"
        words = WORDS.get(first["type"], "not a valid value")
        raise ValidationError(f"{field}: {words}", field, details={"detail": first["msg"]}) from None


def declare(
    query: type[Params] = NoParams, form: type[Params] | None = None, json: type[Params] | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a view with its parameter schemas; the checked values are in `g.params` (query),
    `g.form_params` and `g.json_params`."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            g.params = parse(query, request.args)
            writes = request.method in ("POST", "PUT", "PATCH")
            if form is not None and writes:
                g.form_params = parse(form, request.form)
            if json is not None and writes:
                body = request.get_json(silent=True)
                if not isinstance(body, dict):
                    raise ValidationError("body: a JSON object is required", "body")
                g.json_params = parse(json, body)
            return view(*args, **kwargs)

        wrapper.__params__ = {"query": query, "form": form, "json": json}  # type: ignore[attr-defined]
        return wrapper

    return decorate


def declared(view: Callable[..., Any]) -> dict[str, type[Params] | None] | None:
    """Return the schemas a view declared, None when it declared none."""
    found: dict[str, type[Params] | None] | None = getattr(view, "__params__", None)
    return found
