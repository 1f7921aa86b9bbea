"""The offline base map as one vector tile a place: water, areas, compounds, streets, halls and label points.

Drawn when no `TILE_URL` is configured, from the deployment's own data (static/js/basemap.js styles it
and writes the names). One tile holds several MVT layers (ST_AsMVT of each, concatenated):

- `water`, `areas` (the finest administrative level stored), `compounds`: polygons with their names;
- `streets`: live segments merged per street name and simplified to a pixel, so that a name can be
  written along its whole street rather than along each short segment;
- `halls`: reception halls (points, name);
- `labels`: one point a polygon (inside it: ST_PointOnSurface) with its name and kind, in the tile that
  holds the point only, so that no name is written twice at a tile edge.

Only names and shapes: nothing here is personal, so the layer is public like `segments`.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.maps.tile_grid import TileCoord

EXTENT, BUFFER = 4096, 64
# the tile (with its buffer) in lon/lat, and the tile itself in Web Mercator
_BOX = "ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326)"
_ENV = "ST_TileEnvelope(:z, :x, :y)"


def _mvt(layer: str, inner: str) -> str:
    return f"(SELECT coalesce(ST_AsMVT(q, '{layer}', {EXTENT}, 'geom'), '') FROM ({inner}) q WHERE q.geom IS NOT NULL)"


def _geom(expr: str) -> str:
    return f"ST_AsMVTGeom(ST_Simplify(ST_Transform({expr}, 3857), :tol), {_ENV}, {EXTENT}, {BUFFER}, true)"


_AREA_LEVEL = """(SELECT level FROM admin_areas GROUP BY level
                  ORDER BY CASE level WHEN 'community' THEN 0 WHEN 'subdistrict' THEN 1 ELSE 2 END LIMIT 1)"""
_LABEL_POINTS = f"""
    SELECT name, kind, ST_Transform(p, 3857) AS p FROM (
        SELECT name, 'area' AS kind, ST_PointOnSurface(geom) AS p FROM admin_areas
        WHERE level = {_AREA_LEVEL} AND geom && {_BOX}
        UNION ALL SELECT name, 'compound', ST_PointOnSurface(geom) FROM compounds WHERE geom && {_BOX}
        UNION ALL SELECT name, 'water', ST_PointOnSurface(geom) FROM water_areas WHERE geom && {_BOX}) l"""

_LAYERS = (
    _mvt("water", f"SELECT name, {_geom('geom')} AS geom FROM water_areas WHERE geom && {_BOX}"),
    _mvt(
        "areas",
        f"SELECT name, {_geom('geom')} AS geom FROM admin_areas WHERE level = {_AREA_LEVEL} AND geom && {_BOX}",
    ),
    _mvt("compounds", f"SELECT name, {_geom('geom')} AS geom FROM compounds WHERE geom && {_BOX}"),
    _mvt(
        "streets",
        f"""SELECT street_name AS name, {_geom("ST_LineMerge(ST_Collect(geom))")} AS geom
            FROM street_segments WHERE geom && {_BOX} AND retired_at IS NULL GROUP BY street_name""",
    ),
    _mvt(
        "halls",
        f"""SELECT name, ST_AsMVTGeom(ST_Transform(geom, 3857), {_ENV}, {EXTENT}, {BUFFER}, true) AS geom
            FROM reception_halls WHERE geom && {_BOX}""",
    ),
    # a label point belongs to the one tile that holds it (half-open box): never written twice
    _mvt(
        "labels",
        f"""SELECT name, kind, ST_AsMVTGeom(p, {_ENV}, {EXTENT}, 0, true) AS geom FROM ({_LABEL_POINTS}) lp
            WHERE ST_X(p) >= ST_XMin({_ENV}) AND ST_X(p) < ST_XMax({_ENV})
              AND ST_Y(p) > ST_YMin({_ENV}) AND ST_Y(p) <= ST_YMax({_ENV})""",
    ),
)
SQL = text("SELECT " + " || ".join(_LAYERS))


def base_tile(session: Session, coord: TileCoord) -> bytes:
    """Return the base-map tile at `coord`: every layer above, geometry simplified to a pixel."""
    tol = 40075016.686 / (2**coord.z) / EXTENT * 16  # one screen pixel in Web Mercator metres
    data = session.execute(
        SQL, {"z": coord.z, "x": coord.x, "y": coord.y, "margin": BUFFER / EXTENT, "tol": tol}
    ).scalar()
    return bytes(data) if data else b""
