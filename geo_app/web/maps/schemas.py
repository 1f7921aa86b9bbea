"""The parameter schemas of the staff map pages (see geo_app.web.params; the public map's is in
geo_app.web.param_schemas). Loose where page_data.parse_filters and the analyses name what is wrong in the
user's language; typed only where the view converts a number itself (the hotspots page's DBSCAN radius and
minimum size)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from geo_app.web.params import Code, Codes, Params, Typed


class FiltersQuery(Params):
    """GET /maps/chief: the filters of a staff map page (category, status, period, team)."""

    category: Codes | None = None
    status: Codes | None = None
    start: Typed | None = None
    end: Typed | None = None
    team: Code | None = None


class HotspotsMapQuery(FiltersQuery):
    """GET /maps/hotspots: the filters, an area (a code or team:CODE) and the DBSCAN parameters."""

    area: str | None = Field(None, max_length=70)
    # metres and a count: the domain refuses ≤ 0, too large and < 2 in its own words
    radius: Annotated[float, Field(allow_inf_nan=False)] | None = None
    min_size: Annotated[int, Field(ge=-(2**31), le=2**31)] | None = None


class FireLanesMapQuery(FiltersQuery):
    """GET /maps/fire-lanes: the filters and a lane status (parse_lane_status names a wrong one)."""

    lane_status: Code | None = None
