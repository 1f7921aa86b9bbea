"""Team coverage: each team's area derived from its segments, segments no team covers, and overlaps.

An area is the union of the team's segments buffered by COVERAGE_BUFFER_M metres (in the metric CRS),
unless the team has a drawn area. Returned as GeoJSON FeatureCollections in EPSG:4326.
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from .geojson import feature_collection

COVERAGE_BUFFER_M = 40.0


def team_areas(session: Session, team_id: int | None = None) -> dict:
    """Return one polygon per team with segments, km of street, open and overdue issues, issues per km."""
    rows = session.execute(text("""
        WITH seg AS (
            SELECT ts.team_id, count(*) AS segments, sum(s.length_m) / 1000.0 AS km,
                   ST_Transform(ST_Buffer(ST_Union(s.geom_m), :buf), 4326) AS derived
            FROM team_segments ts JOIN street_segments s ON s.id = ts.segment_id
            GROUP BY ts.team_id
        ), iss AS (
            SELECT team_id, count(*) AS issues,
                   count(*) FILTER (WHERE status IN ('reported', 'accepted', 'dispatched', 'in_progress')) AS open,
                   count(*) FILTER (WHERE status IN ('reported', 'accepted', 'dispatched', 'in_progress')
                                    AND due_at < now()) AS overdue
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
        ORDER BY t.code"""), {"buf": COVERAGE_BUFFER_M, "team": team_id}).mappings()
    return feature_collection(rows)


def uncovered_segments(session: Session) -> dict:
    """Return the live segments that no team covers."""
    rows = session.execute(text("""
        SELECT s.id AS segment_id, s.code, s.street_name, round(s.length_m::numeric, 1)::float AS length_m,
               ST_AsGeoJSON(s.geom, 6) AS geometry
        FROM street_segments s
        WHERE s.retired_at IS NULL AND NOT EXISTS (SELECT 1 FROM team_segments ts WHERE ts.segment_id = s.id)
        ORDER BY s.code""")).mappings()
    return feature_collection(rows)


def overlapping_segments(session: Session) -> dict:
    """Return the segments that two or more teams cover, with the teams' codes."""
    rows = session.execute(text("""
        SELECT s.id AS segment_id, s.code, s.street_name, array_agg(t.code ORDER BY t.code) AS teams,
               ST_AsGeoJSON(s.geom, 6) AS geometry
        FROM street_segments s JOIN team_segments ts ON ts.segment_id = s.id JOIN teams t ON t.id = ts.team_id
        GROUP BY s.id HAVING count(*) > 1 ORDER BY s.code""")).mappings()
    return feature_collection(rows)
