"""Streets from real maps: GeoJSON, GeoPackage, Shapefile or OSM .osm.pbf into street segments.

Keeps the ways worth reporting on (configurable highway classes), reprojects to EPSG:4326, repairs or
rejects bad geometry, cuts ways at intersections (vertices shared by two or more kept ways) and updates
the network in place: a segment keeps its id under a stable code `<source>:<way id or geometry hash>:<first
vertex>`,
segments that vanished are retired (retired_at), never deleted, so every issue keeps its link.
"""

from __future__ import annotations

import hashlib
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod
from sqlalchemy import CursorResult, text
from sqlalchemy.orm import Session

from geo_app.domain.importers.geojson_layers import ImportFailed
from geo_app.domain.importers.street_profiles import SKIP_KINDS, WALK, drop_reasons

if TYPE_CHECKING:
    import psycopg

# The former default (drivable and pedestrian ways); `import-streets --profile` chooses among profiles.
DEFAULT_HIGHWAYS = WALK
__all__ = ["DEFAULT_HIGHWAYS", "SKIP_KINDS", "StreetImportResult", "StreetOptions", "import_streets"]
NAME_COLUMNS = ("name", "street_name", "NAME", "Name", "name_zh")
ID_COLUMNS = ("osm_id", "id", "code", "ID")
HIGHWAY_COLUMNS = ("highway", "fclass", "type")
GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class StreetOptions:
    source: str | None = None  # code namespace; default "osm" for .pbf, else the file's stem
    highways: tuple[str, ...] | None = DEFAULT_HIGHWAYS  # None keeps every line
    retire_missing: bool = True


@dataclass
class StreetImportResult:
    ways_read: int = 0
    ways_kept: int = 0
    segments_made: int = 0
    km: float = 0.0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    issues_on_retired: int = 0
    repaired: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> ways
    dropped_rows: pd.DataFrame | None = None  # source_id, name, highway, reason


def read_lines(path: Path) -> tuple[gpd.GeoDataFrame, str]:
    """Return (source_id, name, highway, kind, geometry) rows in EPSG:4326 and the default code namespace."""
    path = Path(path)
    if path.name.endswith(".osm.pbf") or path.suffix == ".pbf":
        from geo_app.domain.importers.osm import read_pbf

        return read_pbf(path), "osm"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # GDAL reports unreadable files with several exception types
        raise ImportFailed(f"{path.name}: file: not a readable GeoJSON/GeoPackage/Shapefile ({exc})", "file") from None
    bounds = frame.total_bounds if len(frame) else np.zeros(4)
    if frame.crs is None:
        if len(frame) and not (-180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90):
            raise ImportFailed(
                f"{path.name}: crs: the file has no CRS and its coordinates are not lon/lat "
                "degrees; give the file its CRS",
                "crs",
            )
        frame = frame.set_crs(4326)
    elif frame.crs.to_epsg() != 4326:
        try:
            frame = frame.to_crs(4326)
        except Exception as exc:  # pyproj errors for unknown or impossible transformations
            raise ImportFailed(f"{path.name}: crs: cannot reproject {frame.crs} to EPSG:4326 ({exc})", "crs") from None
    bounds = frame.total_bounds if len(frame) else np.zeros(4)
    if not (-180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90):
        raise ImportFailed(
            f"{path.name}: crs: coordinates are not lon/lat degrees after reading as "
            f"{frame.crs}; the file's CRS is wrong or missing",
            "crs",
        )

    def pick(names: tuple[str, ...]) -> str | None:
        return next((c for c in names if c in frame.columns), None)

    id_col, name_col, hw_col = pick(ID_COLUMNS), pick(NAME_COLUMNS), pick(HIGHWAY_COLUMNS)
    out = gpd.GeoDataFrame(
        {
            "source_id": frame[id_col].astype(str) if id_col else None,
            "name": frame[name_col] if name_col else None,
            "highway": frame[hw_col] if hw_col else None,
            "kind": None,
        },
        geometry=frame.geometry.values,
        crs=4326,
    )
    return out, re.sub(r"[^a-z0-9_]+", "_", path.name.split(".")[0].lower()) or "import"


def _clean_geometries(frame: gpd.GeoDataFrame, result: StreetImportResult) -> list[tuple[int, shapely.LineString]]:
    """Return (row, LineString) parts, repairing what can be repaired and reporting every rejection."""
    parts: list[tuple[int, shapely.LineString]] = []
    for row, geom in enumerate(frame.geometry.values):
        label = f"feature {row}" + (f" ({frame['source_id'].iat[row]})" if frame["source_id"].iat[row] else "")
        if geom is None or geom.is_empty:
            result.rejected.append(f"{label}: geometry: empty")
            continue
        if geom.geom_type not in ("LineString", "MultiLineString"):
            result.rejected.append(f"{label}: geometry: expected LineString, got {geom.geom_type}")
            continue
        coords = shapely.get_coordinates(geom)
        if not np.isfinite(coords).all() or np.abs(coords[:, 0]).max() > 180 or np.abs(coords[:, 1]).max() > 90:
            result.rejected.append(f"{label}: geometry: coordinates are not lon/lat degrees")
            continue
        # repeated vertices would make zero-length pieces; a line of one distinct point cannot be repaired
        fixed = shapely.remove_repeated_points(geom)
        repairs = ["repeated vertices removed"] if len(shapely.get_coordinates(fixed)) < len(coords) else []
        if not fixed.is_valid:
            repairs.append(f"made valid ({shapely.is_valid_reason(fixed)})")
            fixed = shapely.make_valid(fixed)
        lines = [g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type == "LineString" and len(g.coords) >= 2]
        if not lines:
            result.rejected.append(f"{label}: geometry: invalid and not repairable ({shapely.is_valid_reason(geom)})")
            continue
        if repairs:
            result.repaired.append(f"{label}: geometry: {'; '.join(repairs)}")
        parts.extend((row, line) for line in lines)
    return parts


def split_at_intersections(lines: list[shapely.LineString]) -> list[list[tuple[int, shapely.LineString]]]:
    """Return, per line, its pieces cut at vertices that two or more lines share (exact coordinates), each
    with the index of its first vertex in the line (stable when other ways come and go)."""
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    keys = np.round(coords, 7)
    pairs = np.unique(np.column_stack([keys, owner]), axis=0)  # one row per (vertex, line)
    _, inverse, counts = np.unique(pairs[:, :2], axis=0, return_inverse=True, return_counts=True)
    shared_keys = {tuple(k) for k in pairs[counts[inverse.ravel()] >= 2][:, :2]}
    pieces = []
    start = 0
    for line_no in range(len(lines)):
        n = int(np.searchsorted(owner, line_no, side="right") - start)
        pts = coords[start : start + n]
        k = keys[start : start + n]
        start += n
        cuts = [0] + [i for i in range(1, n - 1) if (k[i, 0], k[i, 1]) in shared_keys] + [n - 1]
        pieces.append([(a, shapely.LineString(pts[a : b + 1])) for a, b in zip(cuts, cuts[1:], strict=False)])
    return pieces


def prepare(path: Path, options: StreetOptions, result: StreetImportResult) -> tuple[pd.DataFrame, str]:
    """Read, filter, repair and split a file; return segment rows (code, street_name, wkt) and the namespace."""
    frame, default_source = read_lines(path)
    source = options.source or default_source
    result.ways_read = len(frame)
    reasons = drop_reasons(frame, options.highways)
    keep = reasons.isna().to_numpy()
    result.dropped = {str(k): int(v) for k, v in reasons[~keep].value_counts().items()}
    result.dropped_rows = frame.loc[~keep, ["source_id", "name", "highway"]].assign(reason=reasons[~keep])
    frame = frame[keep].reset_index(drop=True)
    parts = _clean_geometries(frame, result)
    result.ways_kept = len({row for row, _ in parts})
    rows, seen = [], set()
    for (row, _), pieces in zip(parts, split_at_intersections([line for _, line in parts]), strict=False):
        base = (
            frame["source_id"].iat[row]
            or hashlib.sha1(np.round(shapely.get_coordinates(frame.geometry.iat[row]), 7).tobytes()).hexdigest()[:12]
        )
        name = _street_name(frame["name"].iat[row], frame["highway"].iat[row])
        for first_vertex, piece in pieces:
            metres = GEOD.geometry_length(piece)
            if metres < 0.01:
                result.rejected.append(f"{source}:{base}: geometry: a piece of zero length")
                continue
            code = f"{source}:{base}:{first_vertex}"
            while code in seen:  # parts of one multi-line feature: keep codes unique
                code += "b"
            seen.add(code)
            rows.append((code[:60], name, piece.wkt))
            result.km += metres / 1000
    result.segments_made = len(rows)
    return pd.DataFrame(rows, columns=["code", "street_name", "wkt"]), source


def _street_name(name: object, highway: object) -> str:
    if isinstance(name, str) and name.strip():
        return name.strip()[:120]
    if isinstance(highway, str) and highway:
        return f"({highway})"
    return ""


def import_streets(session: Session, path: Path, options: StreetOptions | None = None) -> StreetImportResult:
    """Import a street file into street_segments (the caller commits); see the module docstring."""
    options = options or StreetOptions()
    result = StreetImportResult()
    segments, source = prepare(Path(path), options, result)
    if segments.empty:
        raise ImportFailed(f"{Path(path).name}: file: no street to import ({len(result.rejected)} rejected)", "file")
    session.execute(
        text(
            "CREATE TEMP TABLE street_stage (code text PRIMARY KEY, street_name text, "
            "geom geometry(LineString, 4326)) ON COMMIT DROP"
        )
    )
    raw = cast("psycopg.Connection[Any]", session.connection().connection.driver_connection)
    with raw.cursor() as cur, cur.copy("COPY street_stage (code, street_name, geom) FROM STDIN") as copy:
        for row in segments.itertuples(index=False):
            copy.write_row((row.code, row.street_name, f"SRID=4326;{row.wkt}"))
    result.updated = cast(
        CursorResult[Any],
        session.execute(
            text("""
        UPDATE street_segments s SET geom = st.geom, street_name = st.street_name, retired_at = NULL
        FROM street_stage st WHERE s.code = st.code
          AND (NOT ST_OrderingEquals(s.geom, st.geom) OR s.street_name <> st.street_name OR s.retired_at IS NOT NULL)
        """)
        ),
    ).rowcount
    result.inserted = cast(
        CursorResult[Any],
        session.execute(
            text("""
        INSERT INTO street_segments (code, street_name, geom)
        SELECT code, street_name, geom FROM street_stage st
        WHERE NOT EXISTS (SELECT 1 FROM street_segments s WHERE s.code = st.code) ORDER BY code""")
        ),
    ).rowcount
    result.unchanged = len(segments) - result.updated - result.inserted
    if options.retire_missing:
        like = source.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ":%"
        result.retired = cast(
            CursorResult[Any],
            session.execute(
                text("""
            UPDATE street_segments s SET retired_at = now()
            WHERE s.retired_at IS NULL AND s.code LIKE :like
              AND NOT EXISTS (SELECT 1 FROM street_stage st WHERE st.code = s.code)"""),
                {"like": like},
            ),
        ).rowcount
    session.execute(
        text("""
        UPDATE street_segments s SET community_id = a.id
        FROM street_stage st, admin_areas a
        WHERE s.code = st.code AND s.community_id IS NULL AND a.level = 'community'
          AND ST_Covers(a.geom, ST_LineInterpolatePoint(s.geom, 0.5))""")
    )
    result.issues_on_retired = session.execute(
        text("""
        SELECT count(*) FROM issues i JOIN street_segments s ON s.id = i.segment_id
        WHERE s.retired_at IS NOT NULL""")
    ).scalar_one()
    session.execute(text("DROP TABLE street_stage"))
    result.km = round(result.km, 3) if math.isfinite(result.km) else 0.0
    return result
