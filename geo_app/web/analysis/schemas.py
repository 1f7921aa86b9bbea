"""The parameter schemas of the analysis API, the report page and the issue exports (see
geo_app.web.params).

Dates, areas, codes and statuses stay loose: parse_date, parse_area, worklists.parse_filter and the
analyses name what is wrong in the user's language (the report page inside its form). Typed are only the
numbers the views convert themselves (radius, min_size, confidence) and the choices they check themselves."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from geo_app.web.params import Params

Code = Field(None, max_length=60)
Statuses = Field(None, max_length=400)  # codes, comma-separated
Day = Field(None, max_length=40)  # YYYY-MM-DD as typed: parse_date names a malformed one
Flag = Field(None, max_length=10)  # 1/true/yes, anything else is "no"
Number = Field(None, max_length=40)
# metres: the domain refuses ≤ 0 and more than its maximum with its own words; here only a finite number
Radius = Annotated[float, Field(allow_inf_nan=False)]
MinSize = Annotated[int, Field(ge=-(2**31), le=2**31)]  # the domain asks for at least 2


class PeriodQuery(Params):
    """The period and area of an analysis: start and end dates, an area code or team:CODE."""

    start: str | None = Day
    end: str | None = Day
    area: str | None = Field(None, max_length=70)  # team: and a code of 60


class HotspotsQuery(PeriodQuery):
    """GET /api/hotspots: the method and its parameters, with the period, area and category."""

    method: Literal["gistar", "dbscan"] | None = None
    category: str | None = Code
    radius: Radius | None = None
    min_size: MinSize | None = None
    confidence: int | None = Field(None, ge=0, le=100)  # the domain takes 90, 95 or 99
    per_100m: str | None = Flag


class StatsQuery(PeriodQuery):
    """GET /api/stats: the report's period (both dates required, the view says so) and area."""


class FireLanesQuery(Params):
    """GET /api/fire-lanes: a status filter and whether to add each lane's history."""

    status: str | None = Code
    history: str | None = Flag


class LaneStatusBody(Params):
    """POST /api/fire-lanes/<code>/status: the new status and a note (fire_lanes.set_status checks both)."""

    status: str | None = Code
    note: str | None = Field(None, max_length=4000)


class ReportQuery(PeriodQuery):
    """GET /reports: a preset period or dates, an area, and a download format; the page names bad ones."""

    period: str | None = Code
    format: str | None = Field(None, max_length=10)


class ExportQuery(Params):
    """GET /exports/issues.gpkg|geojson: the filters of GET /api/issues and whether to add personal data."""

    bbox: str | None = Field(None, max_length=200)
    status: str | None = Statuses
    category: str | None = Code
    team: str | None = Code
    segment: str | None = Code
    start: str | None = Day
    end: str | None = Day
    overdue: str | None = Flag
    unlinked: str | None = Flag
    awaiting: str | None = Flag
    per_page: str | None = Number  # parse_int names a bad one
    page: str | None = Number
    cursor: str | None = Field(None, max_length=400)  # keyset.decode names a bad one
    personal: str | None = Flag
