"""Link issues to their street segment: the nearest segment within a snap distance, in metres.

The search runs in PostGIS on the metric geometry (`geom_m`, the deployment's projected CRS) with the
GiST index's KNN operator, so distances are metres, never degrees. Farther than `max_m`: unlinked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, text
from sqlalchemy.orm import Session

from geo_app.domain.core.deployment import metric_srid

# KNN on the index gives candidates by bounding-box distance; re-ranking the few nearest by exact
# distance (ties broken by id) makes the answer exact and deterministic.
_NEAREST_SQL = """
WITH p AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :srid) AS g),
cand AS (
    SELECT s.id, ST_Distance(s.geom_m, p.g) AS d
    FROM street_segments s, p
    WHERE s.retired_at IS NULL
    ORDER BY s.geom_m <-> p.g
    LIMIT 8
)
SELECT id, d, (SELECT min(ts.team_id) FROM team_segments ts WHERE ts.segment_id = cand.id) AS team_id
FROM cand WHERE d <= :max_m ORDER BY d, id LIMIT 1
"""


@dataclass(frozen=True)
class Snap:
    segment_id: int | None
    distance_m: float | None
    team_id: int | None = None  # the segment's team, as team_for_segment (in the same round trip)

    @property
    def linked(self) -> bool:
        return self.segment_id is not None


def nearest_segment(session: Session, lon: float, lat: float, max_m: float) -> Snap:
    """Return the nearest live segment within `max_m` metres of (lon, lat), or an unlinked Snap."""
    row = session.execute(text(_NEAREST_SQL), {"lon": lon, "lat": lat, "max_m": max_m, "srid": metric_srid()}).first()
    return Snap(row.id, float(row.d), row.team_id) if row else Snap(None, None)


def nearest_any(session: Session, lon: float, lat: float) -> dict[str, Any] | None:
    """Return the nearest live segment at any distance: id, code, street, team and distance in metres."""
    row = session.execute(
        text(_NEAREST_SQL), {"lon": lon, "lat": lat, "max_m": float("inf"), "srid": metric_srid()}
    ).first()
    if row is None:
        return None
    info = session.execute(
        text("""
        SELECT s.code AS segment, s.street_name, t.code AS team, t.name AS team_name
        FROM street_segments s
        LEFT JOIN teams t ON t.id = (SELECT min(team_id) FROM team_segments WHERE segment_id = s.id)
        WHERE s.id = :s"""),
        {"s": row.id},
    ).one()
    return {"segment_id": row.id, "distance_m": round(float(row.d), 1), **info._asdict()}


def snap_issues_in_bulk(session: Session, max_m: float, ids_sql: str, params: dict[str, Any] | None = None) -> int:
    """Link the issues whose ids `ids_sql` selects to their nearest segment and team in one UPDATE."""
    sql = f"""
    UPDATE issues i SET segment_id = n.id, snap_distance_m = n.d,
           team_id = (SELECT min(ts.team_id) FROM team_segments ts WHERE ts.segment_id = n.id)
    FROM ({ids_sql}) AS todo(id)
    JOIN issues src ON src.id = todo.id
    CROSS JOIN LATERAL (
        SELECT c.id, c.d FROM (
            SELECT s.id, ST_Distance(s.geom_m, src.geom_m) AS d
            FROM street_segments s WHERE s.retired_at IS NULL
            ORDER BY s.geom_m <-> src.geom_m LIMIT 8
        ) c WHERE c.d <= :max_m ORDER BY c.d, c.id LIMIT 1
    ) n
    WHERE i.id = src.id
    """
    result = cast(CursorResult[Any], session.execute(text(sql), {"max_m": max_m, **(params or {})}))
    return result.rowcount
