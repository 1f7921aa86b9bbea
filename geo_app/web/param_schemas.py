"""The parameter schemas of the public (anonymous) routes, one small model per route (see geo_app.web.params).

Types and bounds only: the domain parsers still give the finer meaning (a category that exists, a point in
the service area); these make sure that nothing untyped or unbounded reaches them."""

from __future__ import annotations

from pydantic import Field

from geo_app.web.params import (
    Code,
    Codes,
    Count,
    Day,
    Flag,
    Lat,
    Lon,
    NextPath,
    Params,
    Password,
    Ref,
    Short,
    Text,
    Typed,
)


class LoginQuery(Params):
    next: NextPath | None = None


class LoginForm(LoginQuery):
    username: Short | None = None
    password: Password | None = None


class TokenBody(Params):
    username: Short | None = None
    password: Password | None = None


class MapQuery(Params):
    category: Codes | None = None  # codes, comma-separated
    start: Day | None = None
    end: Day | None = None


class PublicIssuesQuery(MapQuery):
    bbox: Short | None = None
    limit: Count | None = None
    offset: Count | None = None


class TileQuery(MapQuery):
    team: Code | None = None
    status: Codes | None = None
    blockage: Typed | None = None


class LookupQuery(Params):
    ref: Ref | None = None


class Open311Query(Params):
    service_request_id: Text | None = None  # ids, comma-separated
    service_code: Code | None = None
    start_date: Typed | None = None
    end_date: Typed | None = None
    status: str | None = Field(None, max_length=100)
    jurisdiction_id: Short | None = None


class Open311Form(Params):
    api_key: Short | None = None
    service_code: Code | None = None
    lat: Typed | None = None
    long: Typed | None = None
    address_string: Short | None = None
    description: Text | None = None
    email: str | None = Field(None, max_length=254)
    first_name: Short | None = None
    last_name: Short | None = None
    phone: Typed | None = None
    jurisdiction_id: Short | None = None


class ReportForm(Params):
    category: Code | None = None
    description: Text | None = None
    lon: Typed | None = None
    lat: Typed | None = None
    address: Short | None = None
    reporter_name: str | None = Field(None, max_length=80)
    reporter_phone: Typed | None = None
    reporter_email: str | None = Field(None, max_length=254)
    not_on_street: Flag | None = None


class BboxQuery(Params):
    bbox: Short | None = None


class PointQuery(Params):
    lon: Lon
    lat: Lat


class SearchQuery(Params):
    # as typed: geo_app.domain.maps.search.parse_query says, in the user's language, what is wrong with them
    q: Short | None = None
    limit: Typed | None = None
