"""The parameter schemas of the analysis API, the report page and the issue exports (see
geo_app.web.params).

Dates, areas, codes and statuses stay loose: parse_date, parse_area, worklists.parse_filter and the
analyses name what is wrong in the user's language (the report page inside its form). Typed are only the
numbers the views convert themselves (radius, min_size, confidence) and the choices they check themselves."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from geo_app.web.params import Code, Codes, Flag, Params, Short, Text, Typed

# metres: the domain refuses ≤ 0 and more than its maximum with its own words; here only a finite number
Radius = Annotated[float, Field(allow_inf_nan=False)]
MinSize = Annotated[int, Field(ge=-(2**31), le=2**31)]  # the domain asks for at least 2


class PeriodQuery(Params):
    """The period and area of an analysis: start and end dates, an area code or team:CODE."""

    start: Typed | None = None
    end: Typed | None = None
    area: str | None = Field(None, max_length=70)  # team: and a code of 60


class HotspotsQuery(PeriodQuery):
    """GET /api/hotspots: the method and its parameters, with the period, area and category."""

    method: Literal["gistar", "dbscan"] | None = None
    category: Code | None = None
    radius: Radius | None = None
    min_size: MinSize | None = None
    confidence: int | None = Field(None, ge=0, le=100)  # the domain takes 90, 95 or 99
    per_100m: Flag | None = None


class StatsQuery(PeriodQuery):
    """GET /api/stats: the report's period (both dates required, the view says so) and area."""


class FireLanesQuery(Params):
    """GET /api/fire-lanes: a status filter and whether to add each lane's history."""

    status: Code | None = None
    history: Flag | None = None


class LaneStatusBody(Params):
    """POST /api/fire-lanes/<code>/status: the new status and a note (fire_lanes.set_status checks both)."""

    status: Code | None = None
    note: Text | None = None


class ReportQuery(PeriodQuery):
    """GET /reports: a preset period or dates, an area, and a download format; the page names bad ones."""

    period: Code | None = None
    format: Flag | None = None


class ExportQuery(Params):
    """GET /exports/issues.gpkg|geojson: the filters of GET /api/issues and whether to add personal data."""

    bbox: Short | None = None
    status: Codes | None = None
    category: Code | None = None
    team: Code | None = None
    segment: Code | None = None
    start: Typed | None = None
    end: Typed | None = None
    overdue: Flag | None = None
    unlinked: Flag | None = None
    awaiting: Flag | None = None
    per_page: Typed | None = None  # parse_int names a bad one
    page: Typed | None = None
    cursor: Codes | None = None  # keyset.decode names a bad one
    personal: Flag | None = None
