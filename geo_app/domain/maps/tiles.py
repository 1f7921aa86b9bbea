"""Mapbox vector tiles straight from PostGIS (ST_AsMVT): issues, public (resolved), segments and heat.

Tiles never grow without bound: below DETAIL_ZOOM points are aggregated into Web-Mercator grid cells
(16 × 16 a tile, see tile_grid) with their count, at the mean position of their issues; heat is 8 × 8
cells a tile; at detail zooms the public layer is one feature per street segment. When the filters are
only category and status (the planner's and admin's default view, the public map without a period) and
the cells are no finer than the rollups keep, they come from the rollups that triggers keep
(tile_rollups); a period's heat and public tiles at zoom 12–13 read its whole local months from the month
rollups of migration 0014 and count only its edge days live; team scope, blockage, other periods and finer
cells count the matching issues live, with the same cells.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from geo_app.domain.core.localtime import zone_name as local_zone_name
from geo_app.domain.core.validation import period_bounds
from geo_app.domain.errors import DomainError, Forbidden, NotFound, ValidationError
from geo_app.domain.maps import basemap_tiles
from geo_app.domain.maps import tile_rollups as rollups
from geo_app.domain.maps.filters import (
    TileFilters,
    parse_categories,
    parse_period,
    parse_statuses,
    scope_team_ids,
    team_id,
)
from geo_app.domain.maps.tile_grid import (
    DETAIL_ZOOM,
    MAX_ZOOM,
    MIN_ZOOM,
    ROLLUP_LEVEL,
    TileCoord,
    cell_params,
    cluster_level,
    heat_level,
    parse_coord,
)
from geo_app.models import User
from geo_app.vocab import OPEN_STATUSES, PLANNER_ROLES, SOLVED_STATUSES, STATUSES, WORKLIST_ROLES, sql_in

OPEN = sql_in("i.status", OPEN_STATUSES)

__all__ = ["BUILDERS", "LAYERS", "MAX_ZOOM", "MIN_ZOOM", "TileCoord", "parse_coord", "render_tile", "tile_path"]

SEGMENT_DETAIL_ZOOM = 14  # below it, segments are merged per street and simplified
# 384/4096 = 24 px of a 256 px tile: the largest circle drawn (a 22 px cluster with its 2 px stroke) that
# overhangs a tile edge is also in the neighbour's buffer, so each canvas draws its part of it, unclipped
# (a wider buffer only makes tiles heavier: features within it are sent twice)
EXTENT, BUFFER = 4096, 384
DETAIL_LIMIT = 20000  # a safety cap on one tile's features; aggregation keeps real tiles far below
LAYERS = ("issues", "public", "segments", "heat", "base")
# live cluster queries read the tile plus two rings of cells (1/16 of a tile each: the 24 px buffer), and a
# hair more so that a point on the envelope's edge is never lost to rounding; the cell range then decides
CLUSTER_RING = 2
RING_MARGIN = CLUSTER_RING / 16 + 1 / EXTENT


def tile_path(layer: str, z: int, f: TileFilters) -> str:
    """Return "rollup" when the tile of `layer` at zoom z with filters `f` is read from the rollups, "months"
    when its period's whole months are read from the month rollups (edge days live), else "live"."""
    if layer == "heat":
        level = heat_level(z)
    elif layer in ("issues", "public") and z < DETAIL_ZOOM:
        level = cluster_level(z)
    else:
        return "live"
    if level <= ROLLUP_LEVEL and rollups.usable(f):
        return "rollup"
    return "months" if rollups.months_usable(layer, f, level) else "live"


def _period_sql(col: str, f: TileFilters, params: dict[str, Any]) -> str:
    if not (f.start or f.end):
        return ""
    lo, hi = period_bounds(f.start or date(1900, 1, 1), f.end or date(2999, 12, 31))
    params.update(p_lo=lo, p_hi=hi)
    return f" AND {col} >= :p_lo AND {col} < :p_hi"


def _issue_where(
    f: TileFilters, params: dict[str, Any], statuses: tuple[str, ...], spatial: str | None = None
) -> tuple[str, list[str]]:
    """Return the WHERE conditions on issues `i` for the filters, and the expanding bind names."""
    spatial = f"i.geom && {_G}" if spatial is None else spatial
    expanding: list[str]
    conditions, expanding = ([spatial] if spatial else []), []
    # every status (heat's default) is no condition, and then a period is read from ix_issues_reported_cover alone
    if set(statuses) == set(OPEN_STATUSES):
        # written out (vocabulary constants): the planner then reads ix_issues_open_geom (0019), the open
        # issues' own spatial index, instead of ANDing every open issue of the district with the tile's
        conditions.append(OPEN)
    elif set(statuses) != set(STATUSES):
        conditions.append("i.status IN :statuses")
        params["statuses"] = list(statuses)
        expanding.append("statuses")
    where = " AND ".join(conditions) or "TRUE"
    if f.categories:
        where += " AND i.category IN :cats"
        params["cats"] = list(f.categories)
        expanding.append("cats")
    if f.team_ids is not None:
        # a team answers for its own issues and for every issue on a segment it covers
        # (= ANY(ARRAY(…)) rather than IN (SELECT …): the planner can then OR two index scans, the team's
        # issues and its segments', instead of filtering every issue in the tile)
        where += (
            " AND (i.team_id IN :teams OR i.segment_id = ANY(ARRAY("
            "SELECT segment_id FROM team_segments WHERE team_id IN :teams)))"
        )
        params["teams"] = list(f.team_ids) or [-1]
        expanding.append("teams")
    if f.blockage:
        where += " AND (i.fire_lane_id IS NOT NULL OR i.category IN (SELECT code FROM categories WHERE blocks_access))"
    return where, expanding


_ENV = "WITH env AS (SELECT ST_TileEnvelope(:z, :x, :y) AS e)"
# The search boxes are written out where they are used, not read from a CTE: every function in them is
# immutable, so the planner folds them into constants and estimates how many issues or segments they hold
# (from a CTE it guesses 100, and then reads the period's issues by location rather than by time).
# The tile with its margin, in lon/lat:
_G = "ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326)"
# the cells :cx0…:cy1 of level :lvl in lon/lat, 1 cm larger so that rounding never loses an edge point
_CELL_G = """ST_Transform(ST_Expand(ST_Collect(ST_TileEnvelope(:lvl, :cx0, :cy0),
                                             ST_TileEnvelope(:lvl, :cx1, :cy1)), 0.01), 4326)"""
_IN_RANGE = "cx BETWEEN :cx0 AND :cx1 AND cy BETWEEN :cy0 AND :cy1"


def _live_cells(points: str) -> str:
    """SQL of cells (cx, cy, n, sx, sy) at level :lvl in the :c… range over `points` (mx, my in cm, n).

    The cell range is tested on the found points only (OFFSET 0 keeps it out of the scan below): pushed
    down, the planner tested it first, computing four Mercator projections for every issue of a period
    before the cheap box test dropped most of them."""
    return f"""
        SELECT cx, cy, sum(n)::int AS n, sum(n * mx) AS sx, sum(n * my) AS sy
        FROM (SELECT merc_cell_x(mx, :lvl) AS cx, merc_cell_y(my, :lvl) AS cy, mx, my, n
              FROM ({points}) p OFFSET 0) q
        WHERE {_IN_RANGE} GROUP BY cx, cy"""


def _clusters(cells: str) -> str:
    """SQL of cluster points over `cells` (cx, cy, n, sx, sy): the mean position with the count."""
    return f"""
        SELECT n, ST_AsMVTGeom(ST_SetSRID(ST_MakePoint((sx / n)::float8 / 100, (sy / n)::float8 / 100), 3857),
                               (SELECT e FROM env), {EXTENT}, {BUFFER}, true) AS geom
        FROM ({cells}) c WHERE n > 0"""


def _params(coord: TileCoord, margin: float, **extra: Any) -> dict[str, Any]:
    return {"z": coord.z, "x": coord.x, "y": coord.y, "margin": margin, **extra}


def issues_tile(session: Session, coord: TileCoord, f: TileFilters, live: bool = False) -> bytes:
    """Return the staff `issues` tile: clusters with counts below DETAIL_ZOOM, else one point per issue.

    `live` counts from issues even where the rollups could answer (tests and benchmarks compare the two).
    """
    statuses = f.statuses or OPEN_STATUSES
    if coord.z < DETAIL_ZOOM:
        params = _params(coord, RING_MARGIN, **cell_params(coord, cluster_level(coord.z), ring=CLUSTER_RING))
        if not live and tile_path("issues", coord.z, f) == "rollup":
            expanding: list[str] = []
            cells = rollups.issue_cells(f, statuses, params, expanding)
        else:
            where, expanding = _issue_where(f, params, statuses)
            where += _period_sql("i.reported_at", f, params)
            cells = _live_cells(f"""SELECT merc_x_cm(ST_X(i.geom)) AS mx, merc_y_cm(ST_Y(i.geom)) AS my, 1 AS n
                                    FROM issues i WHERE {where}""")
        return _mvt(session, "issues", _clusters(cells), params, expanding)
    params = _params(coord, BUFFER / EXTENT, tz=local_zone_name())
    where, expanding = _issue_where(f, params, statuses)
    where += _period_sql("i.reported_at", f, params)
    inner = f"""
        SELECT i.ref, i.category AS c, i.status AS s, left(i.description, 60) AS d,
               to_char(i.reported_at AT TIME ZONE :tz, 'YYYY-MM-DD') AS day,
               ({OPEN} AND i.due_at < now()) AS late,
               ST_AsMVTGeom(ST_Transform(i.geom, 3857), env.e, {EXTENT}, {BUFFER}, true) AS geom
        FROM issues i, env WHERE {where} LIMIT {DETAIL_LIMIT}"""
    return _mvt(session, "issues", inner, params, expanding)


def _month_cells(
    layer: str, f: TileFilters, params: dict[str, Any], expanding: list[str], col: str, live_cells: Callable[[str], str]
) -> str:
    """SQL of a period's cells: its whole local months from the month rollup, the days at its edges counted
    live by `live_cells(extra condition)` on the time column `col`."""
    months, edges = rollups.month_split(f)
    parts = [rollups.month_cells(layer, f, months, params, expanding)] if months else []
    if edges:
        parts.append(live_cells(" AND " + rollups.edge_condition(col, edges, params)))
    return rollups.merged(*parts)


def _public_live(where: str) -> str:
    """SQL of the public layer's cells counted live: solved issues matching `where` at their segment's midpoint."""
    return _live_cells(f"""
        SELECT seg.mx, seg.my, count(*) AS n FROM seg JOIN issues i ON i.segment_id = seg.id
        WHERE {where} GROUP BY seg.id, seg.mx, seg.my""")


def public_tile(session: Session, coord: TileCoord, f: TileFilters, live: bool = False) -> bytes:
    """Return the public tile: solved issues only, placed at their segment's midpoint, no personal data."""
    low = coord.z < DETAIL_ZOOM
    params = _params(coord, RING_MARGIN if low else BUFFER / EXTENT, tz=local_zone_name())
    if low:
        params.update(cell_params(coord, cluster_level(coord.z), ring=CLUSTER_RING))
    path = "live" if live or not low else tile_path("public", coord.z, f)
    if path == "rollup":
        expanding: list[str] = []
        return _mvt(session, "public", _clusters(rollups.public_cells(f, params, expanding)), params, expanding)
    # Segments whose midpoint is in the tile, then their solved issues counted per category: the
    # reported point never leaves the database, and an issue shows in the tile of its segment's midpoint.
    # What the tile needs of a segment is made in `seg`, once a segment, and carried through the one join
    # with issues: the planner thinks `seg` has one row, and a second join back to it ran as a nested loop
    # (far too slow for a month's tile over a million issues).
    # The issues of a segment come from ix_issues_solved_by_segment (migration 0006), index only: one probe
    # a segment, whatever the period, so a long period costs about what a short one does.
    if low:
        seg_cols = "merc_x_cm(ST_X(p.m)) AS mx, merc_y_cm(ST_Y(p.m)) AS my"
    else:
        seg_cols = (
            f"s.code, s.street_name, ST_AsMVTGeom(ST_Transform(p.m, 3857), env.e, {EXTENT}, {BUFFER}, true) AS mvt"
        )
    segs = f"""SELECT s.id, {seg_cols}
               FROM street_segments s, env, LATERAL (SELECT ST_LineInterpolatePoint(s.geom, 0.5) AS m) p
               WHERE s.geom && {_G} AND p.m && {_G}"""
    where, expanding = _issue_where(f, params, SOLVED_STATUSES, spatial="")
    if path == "months":
        inner = _clusters(
            _month_cells("public", f, params, expanding, "i.resolved_at", lambda cond: _public_live(where + cond))
        )
    elif low:
        inner = _clusters(_public_live(where + _period_sql("i.resolved_at", f, params)))
    else:
        where += _period_sql("i.resolved_at", f, params)
        inner = f"""
            SELECT code AS segment, street_name AS street, sum(n)::int AS n,
                   string_agg(category || ':' || n, ',' ORDER BY n DESC, category) AS cats,
                   to_char(max(last) AT TIME ZONE :tz, 'YYYY-MM-DD') AS last, mvt AS geom
            FROM (SELECT seg.id, seg.code, seg.street_name, seg.mvt, i.category, count(*) AS n,
                         max(i.resolved_at) AS last
                  FROM seg JOIN issues i ON i.segment_id = seg.id WHERE {where}
                  GROUP BY seg.id, seg.code, seg.street_name, seg.mvt, i.category) ps
            GROUP BY id, code, street_name, mvt"""
    return _mvt(session, "public", inner, params, expanding, ctes=f", seg AS ({segs})")


def heat_tile(session: Session, coord: TileCoord, f: TileFilters, live: bool = False) -> bytes:
    """Return the `heat` tile: grid cells with their issue count and density per hectare.

    Cells are Web-Mercator tiles of level heat_level(z): 8 × 8 a tile, never finer than level 18 (about
    140 m; 4 × 4 cells a tile at z16, a tile inside one cell from z18); density per hectare uses the cell's
    ground area on the ellipsoid (geography), not its Mercator area.
    """
    statuses = f.statuses or STATUSES
    params = _params(coord, 0.0, **cell_params(coord, heat_level(coord.z)))
    path = "live" if live else tile_path("heat", coord.z, f)
    if path == "rollup":
        expanding: list[str] = []
        cells = rollups.issue_cells(f, statuses, params, expanding)
    else:
        # past zoom 15 a cell is larger than the tile: count the issues of the whole cells
        where, expanding = _issue_where(f, params, statuses, spatial=f"i.geom && {_CELL_G}")

        def points(cond: str) -> str:
            return _live_cells(f"""SELECT merc_x_cm(ST_X(i.geom)) AS mx, merc_y_cm(ST_Y(i.geom)) AS my, 1 AS n
                                   FROM issues i WHERE {where}{cond}""")

        if path == "months":
            cells = _month_cells("heat", f, params, expanding, "i.reported_at", points)
        else:
            cells = points(_period_sql("i.reported_at", f, params))
    inner = f"""
        SELECT n, round((n / (ST_Area(ST_Transform(cell, 4326)::geography) / 10000))::numeric, 2)::float AS d,
               ST_AsMVTGeom(cell, (SELECT e FROM env), {EXTENT}, 0, true) AS geom
        FROM (SELECT n, ST_TileEnvelope(:lvl, cx, cy) AS cell FROM ({cells}) c WHERE n > 0) q"""
    return _mvt(session, "heat", inner, params, expanding)


def segments_tile(session: Session, coord: TileCoord, f: TileFilters) -> bytes:
    """Return the `segments` tile (base streets): per segment at detail zooms, merged per street below."""
    params = {
        "z": coord.z,
        "x": coord.x,
        "y": coord.y,
        "margin": BUFFER / EXTENT,
        "hl": f.highlight_team if f.highlight_team is not None else -1,
    }
    in_team = "EXISTS (SELECT 1 FROM team_segments h WHERE h.segment_id = s.id AND h.team_id = :hl)"
    base = f"FROM street_segments s, env WHERE s.geom && {_G} AND s.retired_at IS NULL"
    if coord.z >= SEGMENT_DETAIL_ZOOM:
        inner = f"""
            SELECT s.code, s.street_name AS name, round(s.length_m)::int AS m,
                   (SELECT count(*) FROM team_segments t WHERE t.segment_id = s.id)::int AS teams,
                   {in_team} AS mine,
                   ST_AsMVTGeom(ST_Transform(s.geom, 3857), env.e, {EXTENT}, {BUFFER}, true) AS geom
            {base}"""
    else:
        # one screen pixel (16 of the tile's 4096 units) in Web Mercator metres: finer detail cannot be seen
        params["tol"] = 40075016.686 / (2**coord.z) / EXTENT * 16
        inner = f"""
            SELECT name, mine, ST_AsMVTGeom(ST_Simplify(ST_LineMerge(ST_Collect(g)), :tol), (SELECT e FROM env),
                                             {EXTENT}, {BUFFER}, true) AS geom
            FROM (SELECT s.street_name AS name, {in_team} AS mine, ST_Transform(s.geom, 3857) AS g {base}) q
            GROUP BY name, mine"""
    return _mvt(session, "segments", inner, params, [])


def _mvt(
    session: Session, layer: str, inner: str, params: dict[str, Any], expanding: list[str], ctes: str = ""
) -> bytes:
    query = f"{_ENV}{ctes} SELECT ST_AsMVT(q, '{layer}', {EXTENT}, 'geom') FROM ({inner}) q WHERE q.geom IS NOT NULL"
    sql = text(query)
    # (a filter may be bound for a part the query left out: a period of whole months counts no edge days live)
    used = [name for name in dict.fromkeys(expanding) if re.search(rf":{name}\b", query)]
    if used:
        sql = sql.bindparams(*(bindparam(name, expanding=True) for name in used))
    # For this transaction: no JIT (compiling costs more than the query when the planner over-estimates a
    # tile query); each tile planned
    # for its own box and period (a generic plan, which psycopg's prepared statements get after a few runs,
    # cannot fold the boxes or match the partial indexes); no parallel workers (starting them costs more
    # than a tile's scan).
    session.execute(
        text(
            "SELECT set_config('jit', 'off', true), "
            "set_config('plan_cache_mode', 'force_custom_plan', true), "
            "set_config('max_parallel_workers_per_gather', '0', true)"
        )
    )
    data = session.execute(sql, params).scalar()
    return bytes(data) if data else b""


def _base_tile(session: Session, coord: TileCoord, f: TileFilters) -> bytes:
    return basemap_tiles.base_tile(session, coord)  # the offline base map takes no filters


BUILDERS = {
    "issues": issues_tile,
    "public": public_tile,
    "segments": segments_tile,
    "heat": heat_tile,
    "base": _base_tile,
}


STAFF_LAYERS = {"issues": WORKLIST_ROLES, "heat": PLANNER_ROLES}


def build_filters(session: Session, layer: str, args: Mapping[str, Any], user: User | None) -> TileFilters:
    """Return the validated filters of a tile request for `layer`, checking the caller's right to it."""
    if layer not in BUILDERS:
        raise NotFound(f"layer: no tile layer {layer[:30]!r}; one of {', '.join(LAYERS)}", "layer")
    if layer in STAFF_LAYERS:
        if user is None:
            raise DomainError(
                "login required for this layer (session or Bearer token)",
                "Authorization",
                code="unauthorized",
                http_status=401,
            )
        if user.role not in STAFF_LAYERS[layer]:
            raise Forbidden(f"role {user.role} may not see the {layer} layer", "role")
    if layer == "base":
        return TileFilters()
    start, end = parse_period(args.get("start"), args.get("end"))
    common: dict[str, Any] = {"categories": parse_categories(session, args.get("category")), "start": start, "end": end}
    if layer == "segments":
        return TileFilters(highlight_team=team_id(session, args.get("team")))
    if layer == "public":
        return TileFilters(**common)
    blockage = args.get("blockage", "")
    if blockage not in ("", "0", "1"):
        raise ValidationError("blockage: must be 0 or 1", "blockage")
    assert user is not None  # the remaining layers (issues, heat) are staff layers: checked above
    return TileFilters(
        **common,
        statuses=parse_statuses(args.get("status")),
        team_ids=scope_team_ids(session, user, args.get("team")),
        blockage=blockage == "1",
    )


def render_tile(
    session: Session, layer: str, z: str, x: str, y: str, args: Mapping[str, Any], user: User | None
) -> bytes:
    """Return the vector tile of `layer` at z/x/y for the request's filters and caller."""
    filters = build_filters(session, layer, args, user)
    return BUILDERS[layer](session, parse_coord(z, x, y), filters)
