"""The parameter schemas of the public (anonymous) routes, one small model per route (see geo_app.web.params).

Types and bounds only: the domain parsers still give the finer meaning (a category that exists, a point in
the service area); these make sure that nothing untyped or unbounded reaches them."""

from __future__ import annotations

from pydantic import Field

from geo_app.web.params import Code, Count, Day, Lat, Lon, Params, Ref, Text

Short = Field(None, max_length=200)
Number = Field(None, max_length=40)  # a coordinate as typed: the domain says what is wrong with it


class LoginQuery(Params):
    next: str | None = Field(None, max_length=2000)


class LoginForm(LoginQuery):
    username: str | None = Short
    password: str | None = Field(None, max_length=1000)


class TokenBody(Params):
    username: str | None = Short
    password: str | None = Field(None, max_length=1000)


class MapQuery(Params):
    category: str | None = Field(None, max_length=400)  # codes, comma-separated
    start: Day | None = None
    end: Day | None = None


class PublicIssuesQuery(MapQuery):
    bbox: str | None = Short
    limit: Count | None = None
    offset: Count | None = None


class TileQuery(MapQuery):
    team: Code | None = None
    status: str | None = Field(None, max_length=400)
    blockage: str | None = Field(None, max_length=40)


class LookupQuery(Params):
    ref: Ref | None = None


class Open311Query(Params):
    service_request_id: str | None = Field(None, max_length=4000)  # ids, comma-separated
    service_code: Code | None = None
    start_date: str | None = Number
    end_date: str | None = Number
    status: str | None = Field(None, max_length=100)
    jurisdiction_id: str | None = Short


class Open311Form(Params):
    api_key: str | None = Short
    service_code: Code | None = None
    lat: str | None = Number
    long: str | None = Number
    address_string: str | None = Short
    description: Text | None = None
    email: str | None = Field(None, max_length=254)
    first_name: str | None = Short
    last_name: str | None = Short
    phone: str | None = Number
    jurisdiction_id: str | None = Short


class ReportForm(Params):
    category: Code | None = None
    description: Text | None = None
    lon: str | None = Number
    lat: str | None = Number
    address: str | None = Short
    reporter_name: str | None = Field(None, max_length=80)
    reporter_phone: str | None = Number
    reporter_email: str | None = Field(None, max_length=254)
    not_on_street: str | None = Field(None, max_length=10)


class BboxQuery(Params):
    bbox: str | None = Short


class PointQuery(Params):
    lon: Lon
    lat: Lat


class SearchQuery(Params):
    # as typed: geo_app.domain.maps.search.parse_query says, in the user's language, what is wrong with them
    q: str | None = Short
    limit: str | None = Number
