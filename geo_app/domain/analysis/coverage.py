"""Team coverage: each team's area derived from its segments, segments no team covers, and overlaps.

An area is the union of the team's segments buffered by COVERAGE_BUFFER_M metres (in the metric CRS),
unless the team has a drawn area. Returned as GeoJSON FeatureCollections in EPSG:4326.
Overlaps are segments two or more teams cover, and areas two teams share: where a drawn area meets
another team's area, or around a shared segment (two derived areas always touch at a junction they meet
at, which is not an overlap of responsibility, so derived areas only overlap through shared segments).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.core.deployment import metric_srid
from geo_app.domain.core.geojson import feature_collection
from geo_app.vocab import OPEN_STATUSES, sql_in

OPEN = sql_in("status", OPEN_STATUSES)

COVERAGE_BUFFER_M = 40.0


def team_areas(session: Session, team_id: int | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Return one polygon per team with segments, km of street, open and overdue issues, issues per km."""
    rows = session.execute(
        text(f"""
        WITH seg AS (
            SELECT ts.team_id, count(*) AS segments, sum(s.length_m) / 1000.0 AS km,
                   ST_Transform(ST_Buffer(ST_Union(s.geom_m), :buf), 4326) AS derived
            FROM team_segments ts JOIN street_segments s ON s.id = ts.segment_id
            GROUP BY ts.team_id
        ), iss AS (
            SELECT team_id, count(*) AS issues,
                   count(*) FILTER (WHERE {OPEN}) AS open,
                   count(*) FILTER (WHERE {OPEN}
                                    AND due_at < :now) AS overdue
            FROM issues WHERE team_id IS NOT NULL GROUP BY team_id
        )
        SELECT t.id AS team_id, t.code, t.name, coalesce(seg.segments, 0) AS segments,
               round(coalesce(seg.km, 0)::numeric, 2)::float AS km, coalesce(iss.issues, 0) AS issues,
               coalesce(iss.open, 0) AS open, coalesce(iss.overdue, 0) AS overdue,
               CASE WHEN seg.km > 0 THEN round((coalesce(iss.issues, 0) / seg.km)::numeric, 1)::float END
                   AS issues_per_km,
               ST_AsGeoJSON(coalesce(t.drawn_area, seg.derived), 6) AS geometry
        FROM teams t LEFT JOIN seg ON seg.team_id = t.id LEFT JOIN iss ON iss.team_id = t.id
        WHERE (CAST(:team AS int) IS NULL OR t.id = :team)
        ORDER BY t.code"""),
        {"buf": COVERAGE_BUFFER_M, "team": team_id, "now": now or datetime.now(UTC)},
    ).mappings()
    return feature_collection(rows)


def uncovered_segments(session: Session) -> dict[str, Any]:
    """Return the live segments that no team covers."""
    rows = session.execute(
        text("""
        SELECT s.id AS segment_id, s.code, s.street_name, round(s.length_m::numeric, 1)::float AS length_m,
               ST_AsGeoJSON(s.geom, 6) AS geometry
        FROM street_segments s
        WHERE s.retired_at IS NULL AND NOT EXISTS (SELECT 1 FROM team_segments ts WHERE ts.segment_id = s.id)
        ORDER BY s.code""")
    ).mappings()
    return feature_collection(rows)


def overlapping_segments(session: Session) -> dict[str, Any]:
    """Return the segments that two or more teams cover, with the teams' codes."""
    rows = session.execute(
        text("""
        SELECT s.id AS segment_id, s.code, s.street_name, array_agg(t.code ORDER BY t.code) AS teams,
               ST_AsGeoJSON(s.geom, 6) AS geometry
        FROM street_segments s JOIN team_segments ts ON ts.segment_id = s.id JOIN teams t ON t.id = ts.team_id
        GROUP BY s.id HAVING count(*) > 1 ORDER BY s.code""")
    ).mappings()
    return feature_collection(rows)


def overlap_areas(session: Session) -> dict[str, Any]:
    """Return the areas two teams share (drawn areas that overlap, or around segments both cover)."""
    rows = session.execute(
        text("""
        WITH area AS (
            SELECT t.id, t.code, t.drawn_area IS NOT NULL AS drawn, coalesce(t.drawn_area, ST_Transform(
                       ST_Buffer(ST_Union(s.geom_m), :buf), 4326)) AS geom
            FROM teams t LEFT JOIN team_segments ts ON ts.team_id = t.id
            LEFT JOIN street_segments s ON s.id = ts.segment_id
            GROUP BY t.id HAVING t.drawn_area IS NOT NULL OR count(s.id) > 0
        ), shared AS (
            SELECT a.team_id AS a, b.team_id AS b, ST_Transform(ST_Buffer(ST_Union(s.geom_m), :buf), 4326) AS geom
            FROM team_segments a JOIN team_segments b ON b.segment_id = a.segment_id AND b.team_id > a.team_id
            JOIN street_segments s ON s.id = a.segment_id GROUP BY a.team_id, b.team_id
        ), pairs AS (
            SELECT a.id AS a, b.id AS b, ST_Intersection(a.geom, b.geom) AS geom
            FROM area a JOIN area b ON b.id > a.id AND (a.drawn OR b.drawn) AND ST_Intersects(a.geom, b.geom)
            UNION ALL SELECT a, b, geom FROM shared
        ), merged AS (
            SELECT a, b, ST_CollectionExtract(ST_Union(geom), 3) AS geom FROM pairs GROUP BY a, b
        )
        SELECT ta.code || '+' || tb.code AS code, ARRAY[ta.code, tb.code] AS teams,
               round(ST_Area(ST_Transform(m.geom, :srid))::numeric)::float AS area_m2,
               ST_AsGeoJSON(m.geom, 6) AS geometry
        FROM merged m JOIN teams ta ON ta.id = m.a JOIN teams tb ON tb.id = m.b
        WHERE NOT ST_IsEmpty(m.geom) ORDER BY 1"""),
        {"buf": COVERAGE_BUFFER_M, "srid": metric_srid()},
    ).mappings()
    return feature_collection(rows)


def coverage(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """Return the coverage map's data: {teams, uncovered, overlaps, overlap_areas} FeatureCollections."""
    return {
        "teams": team_areas(session, now=now),
        "uncovered": uncovered_segments(session),
        "overlaps": overlapping_segments(session),
        "overlap_areas": overlap_areas(session),
    }
