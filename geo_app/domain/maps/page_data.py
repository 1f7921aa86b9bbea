"""Queries feeding the map pages: the small layers embedded in a page (communities, water, halls,
a team's area and extent) and the validated filters whose values go into the tile URLs.

Nothing here grows with the number of issues or segments: those come as vector tiles (domain/tiles.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.core.geojson import feature_collection
from geo_app.domain.errors import ValidationError
from geo_app.domain.maps.filters import parse_categories, parse_period, parse_statuses, team_id
from geo_app.vocab import LANE_STATUSES, OPEN_STATUSES

SIMPLIFY = 0.00002  # degrees (about 2 m): outlines keep their shape and lose most vertices


@dataclass(frozen=True)
class MapFilters:
    """Validated page filters; `query` holds them as tile/URL query parameters."""

    category: str | None = None
    status: str | None = None
    start: date | None = None
    end: date | None = None
    team_code: str | None = None
    team_id: int | None = None

    @property
    def query(self) -> dict[str, Any]:
        """Return the filters as query parameters (only the ones set)."""
        out = {
            "category": self.category,
            "status": self.status,
            "team": self.team_code,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }
        return {k: v for k, v in out.items() if v}


def parse_filters(session: Session, args: Mapping[str, Any], statuses: tuple[str, ...] = OPEN_STATUSES) -> MapFilters:
    """Return a page's filters (category, status among `statuses`, start, end, team), 400 on bad values."""
    cats = parse_categories(session, args.get("category"))
    if len(cats) > 1:
        raise ValidationError("category: choose one category", "category")
    sts = parse_statuses(args.get("status"), statuses)
    if len(sts) > 1:
        raise ValidationError("status: choose one status", "status")
    start, end = parse_period(args.get("start"), args.get("end"))
    code = args.get("team") or None
    return MapFilters(cats[0] if cats else None, sts[0] if sts else None, start, end, code, team_id(session, code))


def parse_lane_status(raw: str | None) -> str | None:
    """Return a fire-lane status filter (blocked, partly_blocked, clear) or None."""
    if not raw:
        return None
    if raw not in LANE_STATUSES:
        raise ValidationError(f"lane_status: must be one of {', '.join(LANE_STATUSES)}", "lane_status")
    return raw


def categories(session: Session) -> list[dict[str, Any]]:
    """Return every category with its Chinese and English names, in code order of the demo."""
    return [
        dict(r)
        for r in session.execute(
            text("SELECT code, name_zh, name_en, blocks_access FROM categories ORDER BY code")
        ).mappings()
    ]


def teams(session: Session) -> list[dict[str, Any]]:
    """Return every team's code and name."""
    return [dict(r) for r in session.execute(text("SELECT id, code, name FROM teams ORDER BY code")).mappings()]


def team(session: Session, team_id_: int) -> dict[str, Any] | None:
    """Return a team's id, code and name."""
    row = session.execute(text("SELECT id, code, name FROM teams WHERE id = :t"), {"t": team_id_}).mappings().first()
    return dict(row) if row else None


def communities(session: Session) -> dict[str, Any]:
    """Return the community outlines (or, where none are stored, the largest areas below the district)."""
    level = session.execute(
        text("""
        SELECT level FROM admin_areas GROUP BY level
        ORDER BY CASE level WHEN 'community' THEN 0 WHEN 'subdistrict' THEN 1 ELSE 2 END LIMIT 1""")
    ).scalar()
    rows = session.execute(
        text("""
        SELECT code, name, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, :tol), 6) AS geometry
        FROM admin_areas WHERE level = :level ORDER BY code"""),
        {"tol": SIMPLIFY, "level": level},
    ).mappings()
    return feature_collection(rows)


def water(session: Session) -> dict[str, Any]:
    """Return the water areas drawn on the offline base map."""
    rows = session.execute(
        text("""SELECT name, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, :tol), 6) AS geometry
                                   FROM water_areas ORDER BY name"""),
        {"tol": SIMPLIFY},
    ).mappings()
    return feature_collection(rows)


def halls(session: Session) -> dict[str, Any]:
    """Return the reception halls (name, address)."""
    rows = session.execute(
        text("SELECT code, name, address, ST_AsGeoJSON(geom, 6) AS geometry FROM reception_halls ORDER BY code")
    ).mappings()
    return feature_collection(rows)


def extent(session: Session, team_id_: int | None = None) -> tuple[float, float, float, float] | None:
    """Return (west, south, east, north) of a team's segments, or of all live segments; None if empty."""
    if team_id_ is not None:
        row = session.execute(
            text("""
            SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (
                SELECT ST_Extent(s.geom) AS b FROM team_segments ts JOIN street_segments s ON s.id = ts.segment_id
                WHERE ts.team_id = :t) q"""),
            {"t": team_id_},
        ).one()
    else:
        row = session.execute(
            text("""
            SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
            FROM (SELECT ST_Extent(geom) AS b FROM street_segments WHERE retired_at IS NULL) q""")
        ).one()
    # four columns: west, south, east, north
    return None if row[0] is None else cast(tuple[float, float, float, float], tuple(float(v) for v in row))


EXACT_AREA_MAX_SEGMENTS = 500  # above this, coverage.team_areas' union of buffers is too slow for a page


def team_areas(session: Session, team_id_: int | None = None) -> dict[str, Any]:
    """Return team areas for a map: coverage.team_areas when small, else concave-hull outlines.

    The exact area (union of buffered segments) costs time in proportion to the number of segments, far
    too much for a page over a city-sized network. Past EXACT_AREA_MAX_SEGMENTS the map shows each team's
    concave hull buffered by the same distance: the same place and extent, without the holes of blocks.
    """
    from geo_app.domain.analysis import coverage

    n = session.execute(
        text("SELECT count(*) FROM team_segments WHERE CAST(:t AS int) IS NULL OR team_id = :t"), {"t": team_id_}
    ).scalar_one()
    if n <= EXACT_AREA_MAX_SEGMENTS:
        return coverage.team_areas(session, team_id_)
    rows = session.execute(
        text("""
        WITH seg AS (
            SELECT ts.team_id, count(*) AS segments, sum(s.length_m) / 1000.0 AS km,
                   ST_Transform(ST_Simplify(ST_Buffer(ST_ConcaveHull(ST_Collect(s.geom_m), 0.2), :buf,
                                                      'quad_segs=2'), 5), 4326) AS area
            FROM team_segments ts JOIN street_segments s ON s.id = ts.segment_id
            WHERE CAST(:t AS int) IS NULL OR ts.team_id = :t
            GROUP BY ts.team_id)
        SELECT t.id AS team_id, t.code, t.name, seg.segments, round(seg.km::numeric, 2)::float AS km,
               ST_AsGeoJSON(coalesce(t.drawn_area, seg.area), 5) AS geometry
        FROM teams t JOIN seg ON seg.team_id = t.id ORDER BY t.code"""),
        {"t": team_id_, "buf": coverage.COVERAGE_BUFFER_M},
    ).mappings()
    return feature_collection(rows)
