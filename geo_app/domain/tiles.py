"""Mapbox vector tiles straight from PostGIS (ST_AsMVT): issues, public (resolved), segments and heat.

Tiles never grow without bound: below DETAIL_ZOOM points are aggregated into grid cells (CELLS × CELLS
per tile) with their count, and at detail zooms the public layer is one feature per street segment.
Grid cells are computed in lon/lat inside the tile (the tile is a lon/lat rectangle in Web Mercator),
so only the few cell centres are transformed, not every issue.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from ..errors import DomainError, Forbidden, NotFound, ValidationError
from ..models.issue import OPEN_STATUSES, SOLVED_STATUSES, STATUSES
from .map_filters import (
    TileFilters,
    parse_categories,
    parse_period,
    parse_statuses,
    scope_team_ids,
    team_id,
)
from .validation import period_bounds

MIN_ZOOM, MAX_ZOOM = 12, 20
DETAIL_ZOOM = 15          # from here on, one feature per issue (staff) or per segment (public)
SEGMENT_DETAIL_ZOOM = 14  # below it, segments are merged per street and simplified
CELLS = 16                # cluster cells per tile side below DETAIL_ZOOM
HEAT_CELLS = 8            # heat cells per tile side (32 px at 256 px tiles)...
HEAT_FINEST_ZOOM = 15     # ...down to about 140 m cells, kept at higher zooms
EXTENT, BUFFER = 4096, 64
DETAIL_LIMIT = 20000      # a safety cap on one tile's features; aggregation keeps real tiles far below
LAYERS = ("issues", "public", "segments", "heat")
_INT = re.compile(r"\d{1,7}")


@dataclass(frozen=True)
class TileCoord:
    z: int
    x: int
    y: int

    def bounds(self) -> tuple[float, float, float, float]:
        """Return (west, south, east, north) in degrees."""
        n = 2 ** self.z

        def lat(yy: float) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * yy / n))))

        return self.x / n * 360 - 180, lat(self.y + 1), (self.x + 1) / n * 360 - 180, lat(self.y)


def parse_coord(z: str, x: str, y: str) -> TileCoord:
    """Return the tile coordinate, refusing non-numbers, zooms out of range and x/y outside the grid."""
    values = {}
    for name, raw in (("z", z), ("x", x), ("y", y)):
        if not isinstance(raw, str) or not _INT.fullmatch(raw):
            raise ValidationError(f"{name}: must be a non-negative whole number, got {str(raw)[:20]!r}", name)
        values[name] = int(raw)
    if not MIN_ZOOM <= values["z"] <= MAX_ZOOM:
        raise ValidationError(f"z: zoom must be between {MIN_ZOOM} and {MAX_ZOOM}", "z")
    top = 2 ** values["z"] - 1
    for name in ("x", "y"):
        if values[name] > top:
            raise ValidationError(f"{name}: must be between 0 and {top} at zoom {values['z']}", name)
    return TileCoord(values["z"], values["x"], values["y"])


def _cells(coord: TileCoord, per_side: int) -> dict:
    west, south, east, north = coord.bounds()
    return {"w": west, "s": south, "cw": (east - west) / per_side, "ch": (north - south) / per_side}


def _period_sql(col: str, f: TileFilters, params: dict) -> str:
    if not (f.start or f.end):
        return ""
    lo, hi = period_bounds(f.start or date(1900, 1, 1), f.end or date(2999, 12, 31))
    params.update(p_lo=lo, p_hi=hi)
    return f" AND {col} >= :p_lo AND {col} < :p_hi"


def _issue_where(f: TileFilters, params: dict, statuses: tuple[str, ...], spatial: bool = True) -> tuple[str, list]:
    """Return the WHERE conditions on issues `i` for the filters, and the expanding bind names."""
    where = ("i.geom && env.g AND " if spatial else "") + "i.status IN :statuses"
    params["statuses"] = list(statuses)
    expanding = ["statuses"]
    if f.categories:
        where += " AND i.category IN :cats"
        params["cats"] = list(f.categories)
        expanding.append("cats")
    if f.team_ids is not None:
        # a team answers for its own issues and for every issue on a segment it covers
        where += (" AND (i.team_id IN :teams OR i.segment_id IN "
                  "(SELECT segment_id FROM team_segments WHERE team_id IN :teams))")
        params["teams"] = list(f.team_ids) or [-1]
        expanding.append("teams")
    if f.blockage:
        where += " AND (i.fire_lane_id IS NOT NULL OR i.category IN (SELECT code FROM categories WHERE blocks_access))"
    return where, expanding


_ENV = """WITH env AS (SELECT ST_TileEnvelope(:z, :x, :y) AS e,
                        ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS g)"""


def _cluster_sql(source: str) -> str:
    """SQL of grid clusters over `source` (rows with lon, lat, n): a point at each cell's mean with its count."""
    return f"""
        SELECT sum(n)::int AS n,
               ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(sum(lon * n) / sum(n), sum(lat * n) / sum(n)),
                            4326), 3857), (SELECT e FROM env), {EXTENT}, {BUFFER}, true) AS geom
        FROM ({source}) src
        GROUP BY floor((lon - :w) / :cw), floor((lat - :s) / :ch)"""


def issues_tile(session: Session, coord: TileCoord, f: TileFilters, tz: str = "Asia/Shanghai") -> bytes:
    """Return the staff `issues` tile: clusters with counts below DETAIL_ZOOM, else one point per issue."""
    params = {"z": coord.z, "x": coord.x, "y": coord.y, "margin": BUFFER / EXTENT, "tz": tz}
    where, expanding = _issue_where(f, params, f.statuses or OPEN_STATUSES)
    where += _period_sql("i.reported_at", f, params)
    if coord.z < DETAIL_ZOOM:
        params.update(_cells(coord, CELLS))
        inner = _cluster_sql(f"SELECT ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, 1 AS n FROM issues i, env WHERE {where}")
    else:
        inner = f"""
            SELECT i.ref, i.category AS c, i.status AS s, left(i.description, 60) AS d,
                   to_char(i.reported_at AT TIME ZONE :tz, 'YYYY-MM-DD') AS day,
                   (i.status IN ('reported', 'accepted', 'dispatched', 'in_progress') AND i.due_at < now()) AS late,
                   ST_AsMVTGeom(ST_Transform(i.geom, 3857), env.e, {EXTENT}, {BUFFER}, true) AS geom
            FROM issues i, env WHERE {where} LIMIT {DETAIL_LIMIT}"""
    return _mvt(session, "issues", inner, params, expanding)


def public_tile(session: Session, coord: TileCoord, f: TileFilters) -> bytes:
    """Return the public tile: solved issues only, placed at their segment's midpoint, no personal data."""
    params = {"z": coord.z, "x": coord.x, "y": coord.y, "margin": BUFFER / EXTENT}
    where, expanding = _issue_where(f, params, SOLVED_STATUSES, spatial=False)
    where += _period_sql("i.resolved_at", f, params)
    # Segments whose midpoint is in the tile, then their solved issues counted per category: the
    # reported point never leaves the database, and an issue shows in the tile of its segment's midpoint.
    segs = """SELECT s.id, s.code, s.street_name, ST_LineInterpolatePoint(s.geom, 0.5) AS m
              FROM street_segments s, env WHERE s.geom && env.g AND ST_LineInterpolatePoint(s.geom, 0.5) && env.g"""
    per_segment = f"""
        SELECT i.segment_id, i.category, count(*) AS n, max(i.resolved_at) AS last
        FROM issues i WHERE i.segment_id IN (SELECT id FROM seg) AND {where} GROUP BY 1, 2"""
    if coord.z < DETAIL_ZOOM:
        params.update(_cells(coord, CELLS))
        inner = _cluster_sql(f"""
            SELECT ST_X(seg.m) AS lon, ST_Y(seg.m) AS lat, ps.n
            FROM (SELECT segment_id, sum(n) AS n FROM ({per_segment}) q GROUP BY 1) ps
            JOIN seg ON seg.id = ps.segment_id""")
    else:
        inner = f"""
            SELECT seg.code AS segment, seg.street_name AS street, sum(ps.n)::int AS n,
                   string_agg(ps.category || ':' || ps.n, ',' ORDER BY ps.n DESC, ps.category) AS cats,
                   to_char(max(ps.last) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS last,
                   ST_AsMVTGeom(ST_Transform(seg.m, 3857), (SELECT e FROM env), {EXTENT}, {BUFFER}, true) AS geom
            FROM ({per_segment}) ps JOIN seg ON seg.id = ps.segment_id
            GROUP BY seg.id, seg.code, seg.street_name, seg.m"""
    return _mvt(session, "public", inner, params, expanding, ctes=f", seg AS ({segs})")


def heat_tile(session: Session, coord: TileCoord, f: TileFilters) -> bytes:
    """Return the `heat` tile: grid cells with their issue count and density per hectare.

    Cells form one global lon/lat grid per zoom (HEAT_CELLS per tile side, never finer than at
    HEAT_FINEST_ZOOM), and each tile counts the issues of every cell it touches, so a cell cut by a tile
    edge has the same count on both sides.
    """
    params = {"z": coord.z, "x": coord.x, "y": coord.y, "margin": 0.0}
    where, expanding = _issue_where(f, params, f.statuses or STATUSES, spatial=False)
    where += _period_sql("i.reported_at", f, params)
    size = 360 / 2 ** min(coord.z, HEAT_FINEST_ZOOM) / HEAT_CELLS
    west, south, east, north = coord.bounds()
    params.update(cw=size, w0=math.floor(west / size) * size, s0=math.floor(south / size) * size,
                  e0=math.ceil(east / size) * size, n0=math.ceil(north / size) * size)
    inner = f"""
        SELECT n, round((n / ((:cw * 111320 * cos(radians((gy + 0.5) * :cw))) * (:cw * 110574) / 10000))::numeric,
                        2)::float AS d,
               ST_AsMVTGeom(ST_Transform(ST_MakeEnvelope(gx * :cw, gy * :cw, (gx + 1) * :cw, (gy + 1) * :cw, 4326),
                            3857), (SELECT e FROM env), {EXTENT}, 0, true) AS geom
        FROM (SELECT floor(ST_X(i.geom) / :cw) AS gx, floor(ST_Y(i.geom) / :cw) AS gy, count(*)::int AS n
              FROM issues i WHERE i.geom && ST_MakeEnvelope(:w0, :s0, :e0, :n0, 4326) AND {where}
              GROUP BY 1, 2) cells"""
    return _mvt(session, "heat", inner, params, expanding)


def segments_tile(session: Session, coord: TileCoord, f: TileFilters) -> bytes:
    """Return the `segments` tile (base streets): per segment at detail zooms, merged per street below."""
    params = {"z": coord.z, "x": coord.x, "y": coord.y, "margin": BUFFER / EXTENT,
              "hl": f.highlight_team if f.highlight_team is not None else -1}
    in_team = "EXISTS (SELECT 1 FROM team_segments h WHERE h.segment_id = s.id AND h.team_id = :hl)"
    base = "FROM street_segments s, env WHERE s.geom && env.g AND s.retired_at IS NULL"
    if coord.z >= SEGMENT_DETAIL_ZOOM:
        inner = f"""
            SELECT s.code, s.street_name AS name, round(s.length_m)::int AS m,
                   (SELECT count(*) FROM team_segments t WHERE t.segment_id = s.id)::int AS teams,
                   {in_team} AS mine,
                   ST_AsMVTGeom(ST_Transform(s.geom, 3857), env.e, {EXTENT}, {BUFFER}, true) AS geom
            {base}"""
    else:
        # one screen pixel (16 of the tile's 4096 units) in Web Mercator metres: finer detail cannot be seen
        params["tol"] = 40075016.686 / (2 ** coord.z) / EXTENT * 16
        inner = f"""
            SELECT name, mine, ST_AsMVTGeom(ST_Simplify(ST_LineMerge(ST_Collect(g)), :tol), (SELECT e FROM env),
                                             {EXTENT}, {BUFFER}, true) AS geom
            FROM (SELECT s.street_name AS name, {in_team} AS mine, ST_Transform(s.geom, 3857) AS g {base}) q
            GROUP BY name, mine"""
    return _mvt(session, "segments", inner, params, [])


def _mvt(session: Session, layer: str, inner: str, params: dict, expanding: list[str], ctes: str = "") -> bytes:
    sql = text(f"{_ENV}{ctes} SELECT ST_AsMVT(q, '{layer}', {EXTENT}, 'geom') FROM ({inner}) q WHERE q.geom IS NOT NULL")
    if expanding:
        sql = sql.bindparams(*(bindparam(name, expanding=True) for name in expanding))
    # JIT compilation costs ~300 ms when the planner over-estimates a tile query: never worth it here
    session.execute(text("SET LOCAL jit = off"))
    data = session.execute(sql, params).scalar()
    return bytes(data) if data else b""


BUILDERS = {"issues": issues_tile, "public": public_tile, "segments": segments_tile, "heat": heat_tile}


STAFF_LAYERS = {"issues": ("admin", "planner", "clerk", "chief", "secretary"), "heat": ("admin", "planner")}
def build_filters(session: Session, layer: str, args, user) -> TileFilters:
    """Return the validated filters of a tile request for `layer`, checking the caller's right to it."""
    if layer not in BUILDERS:
        raise NotFound(f"layer: no tile layer {layer[:30]!r}; one of {', '.join(LAYERS)}", "layer")
    if layer in STAFF_LAYERS:
        if user is None:
            raise DomainError("login required for this layer (session or Bearer token)", "Authorization",
                              code="unauthorized", http_status=401)
        if user.role not in STAFF_LAYERS[layer]:
            raise Forbidden(f"role {user.role} may not see the {layer} layer", "role")
    start, end = parse_period(args.get("start"), args.get("end"))
    common = {"categories": parse_categories(session, args.get("category")), "start": start, "end": end}
    if layer == "segments":
        return TileFilters(highlight_team=team_id(session, args.get("team")))
    if layer == "public":
        return TileFilters(**common)
    blockage = args.get("blockage", "")
    if blockage not in ("", "0", "1"):
        raise ValidationError("blockage: must be 0 or 1", "blockage")
    return TileFilters(**common, statuses=parse_statuses(args.get("status")),
                       team_ids=scope_team_ids(session, user, args.get("team")), blockage=blockage == "1")


def render_tile(session: Session, layer: str, z: str, x: str, y: str, args, user) -> bytes:
    """Return the vector tile of `layer` at z/x/y for the request's filters and caller."""
    filters = build_filters(session, layer, args, user)
    return BUILDERS[layer](session, parse_coord(z, x, y), filters)
