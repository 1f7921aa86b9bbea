"""JSON API of the analyses: hotspots, the report's figures, team coverage and fire lanes (Bearer token)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue

from geo_app.domain.analysis import coverage, fire_lanes
from geo_app.domain.analysis.hotspots import query
from geo_app.domain.analysis.reports import report as reports
from geo_app.domain.analysis.reports.report import Area
from geo_app.domain.core.validation import parse_date
from geo_app.domain.errors import ValidationError
from geo_app.extensions import csrf, db, db_session
from geo_app.vocab import FIRE_LANE_ROLES, STAFF_ROLES
from geo_app.web import params
from geo_app.web.analysis import schemas as S
from geo_app.web.auth import api_route

bp = Blueprint("analysis_api", __name__)
csrf.exempt(bp)  # Bearer tokens only: no cookie, so no CSRF to defend against


def arg_date(name: str) -> date | None:
    """Return the query argument `name` as a date, or None when absent."""
    value = request.args.get(name)
    return parse_date(value, name) if value else None


def arg_number(name: str, default: float, kind: Callable[[str], float] = float) -> float:
    """Return the query argument `name` as `kind` (default when absent); 400 naming it when malformed."""
    value = request.args.get(name)
    if value is None or value == "":
        return default
    try:
        return kind(value)
    except ValueError:
        raise ValidationError(f"{name}: must be a {'whole ' if kind is int else ''}number", name) from None


def arg_optional_number(name: str, kind: Callable[[str], float] = float) -> float | None:
    """Return the query argument `name` as `kind`, or None when absent or empty."""
    return None if request.args.get(name) in (None, "") else arg_number(name, 0, kind)


def arg_flag(name: str) -> bool:
    """Return True for ?name=1/true/yes."""
    return request.args.get(name, "").lower() in ("1", "true", "yes")


@bp.get("/api/hotspots")
@api_route(*STAFF_ROLES)
@params.declare(query=S.HotspotsQuery)
def hotspots_api() -> ResponseReturnValue:
    """Return density clusters (method=dbscan) or hot/cold segments (method=gistar) as GeoJSON."""
    method = request.args.get("method") or "gistar"
    if method not in query.METHODS:
        raise ValidationError("method: must be gistar or dbscan", "method")
    common: dict[str, Any] = {
        "category": request.args.get("category") or None,
        "start": arg_date("start"),
        "end": arg_date("end"),
        "area": request.args.get("area") or None,
    }
    params: dict[str, Any]
    if method == "dbscan":  # without radius or min_size, the domain derives them from the period's points
        params = {
            "radius_m": arg_optional_number("radius"),
            "min_size": arg_optional_number("min_size", int),
            **common,
        }
    else:
        params = {"confidence": arg_number("confidence", 90, int), "per_100m": arg_flag("per_100m"), **common}
    return query.hotspots(db_session(), method, **params)


def report_args() -> tuple[date, date, Area | None]:
    """Return (start, end, area) of a report request; both dates are required."""
    for name in ("start", "end"):
        if not request.args.get(name):
            raise ValidationError(f"{name}: a date YYYY-MM-DD is required", name)
    start, end = arg_date("start"), arg_date("end")
    assert start is not None and end is not None  # both required just above
    return start, end, reports.parse_area(request.args.get("area"))


@bp.get("/api/stats")
@api_route(*STAFF_ROLES)
@params.declare(query=S.StatsQuery)
def stats_api() -> ResponseReturnValue:
    """Return the report for ?start=&end=&area= (the object `flask report --format json` prints)."""
    start, end, area = report_args()
    return reports.figures(db_session(), start, end, area)


@bp.get("/api/coverage")
@api_route(*STAFF_ROLES)
@params.declare()
def coverage_api() -> ResponseReturnValue:
    """Return {teams, uncovered, overlaps, overlap_areas} FeatureCollections."""
    return coverage.coverage(db_session())


@bp.get("/api/fire-lanes")
@api_route(*STAFF_ROLES)
@params.declare(query=S.FireLanesQuery)
def fire_lanes_api() -> ResponseReturnValue:
    """Return fire lanes as GeoJSON (status, households, residents, open blockages; ?history=1)."""
    return fire_lanes.lanes(db_session(), status=request.args.get("status") or None, history=arg_flag("history"))


@bp.post("/api/fire-lanes/<code>/status")
@api_route(*FIRE_LANE_ROLES)
@params.declare(json=S.LaneStatusBody)
def fire_lane_status_api(code: str) -> ResponseReturnValue:
    """Set a lane's status {status, note}; "clear" only once its blockages are resolved."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("body: a JSON object {status, note} is required", "body")
    result = fire_lanes.set_status(db_session(), code, body.get("status"), g.user, body.get("note"))
    db.session.commit()
    result["history"] = fire_lanes.lane_history(db_session(), code).get(code, [])
    return result
