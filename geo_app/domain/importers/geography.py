"""Load the geography layers (areas, streets, halls, compounds, fire lanes, water) from GeoJSON.

Each loader reads its whole file strictly first (see geojson_layers), then inserts the rows that are not
there yet (matched on their natural key), so re-running a load changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, text
from sqlalchemy.orm import Session

from geo_app.domain.importers.geojson_layers import ImportFailed, as_multipolygon, read_layer

POLYGONS = ("Polygon", "MultiPolygon")
LEVEL_ORDER = {"district": 0, "subdistrict": 1, "community": 2}


def _insert(session: Session, sql: str, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    return sum(cast(CursorResult[Any], session.execute(text(sql), row)).rowcount for row in rows)


def _community_ids(session: Session) -> dict[str | None, int]:
    """Return {area code: id}; looked up with optional codes, so None (no code) finds nothing."""
    return dict(session.execute(text("SELECT code, id FROM admin_areas")).all())


def load_areas(session: Session, path: Path) -> int:
    """Load administrative areas, parents before children."""
    features = read_layer(path, POLYGONS, ("code", "name", "level"), key="code")
    for f in features:
        if f.props["level"] not in LEVEL_ORDER:
            raise ImportFailed(
                f"{path.name}: feature {f.index}: level: must be one of {', '.join(LEVEL_ORDER)}", "level"
            )
    inserted = 0
    for f in sorted(features, key=lambda f: LEVEL_ORDER[f.props["level"]]):
        parent = f.props.get("parent_code")
        ids = _community_ids(session)
        if parent and parent not in ids:
            raise ImportFailed(f"{path.name}: feature {f.index}: parent_code: unknown area {parent!r}", "parent_code")
        inserted += cast(
            CursorResult[Any],
            session.execute(
                text("""
            INSERT INTO admin_areas (code, name, level, parent_id, geom)
            VALUES (:code, :name, :level, :parent, ST_GeomFromText(:wkt, 4326))
            ON CONFLICT (code) DO NOTHING"""),
                {
                    "code": f.props["code"],
                    "name": f.props["name"],
                    "level": f.props["level"],
                    "parent": ids.get(parent),
                    "wkt": as_multipolygon(f.geom).wkt,
                },
            ),
        ).rowcount
    return inserted


def load_streets(session: Session, path: Path) -> int:
    """Load street segments (already cut at intersections) with their community."""
    features = read_layer(path, ("LineString",), ("code", "street_name"), key="code")
    ids = _community_ids(session)
    rows = [
        {
            "code": f.props["code"],
            "name": f.props["street_name"],
            "community": ids.get(f.props.get("community_code")),
            "wkt": f.geom.wkt,
        }
        for f in features
    ]
    return _insert(
        session,
        """
        INSERT INTO street_segments (code, street_name, community_id, geom)
        VALUES (:code, :name, :community, ST_GeomFromText(:wkt, 4326)) ON CONFLICT (code) DO NOTHING""",
        rows,
    )


def load_halls(session: Session, path: Path) -> int:
    """Load reception halls."""
    features = read_layer(path, ("Point",), ("code", "name"), key="code")
    ids = _community_ids(session)
    rows = [
        {
            "code": f.props["code"],
            "name": f.props["name"],
            "address": f.props.get("address"),
            "community": ids.get(f.props.get("community_code")),
            "wkt": f.geom.wkt,
        }
        for f in features
    ]
    return _insert(
        session,
        """
        INSERT INTO reception_halls (code, name, address, community_id, geom)
        VALUES (:code, :name, :address, :community, ST_GeomFromText(:wkt, 4326)) ON CONFLICT (code) DO NOTHING""",
        rows,
    )


def load_compounds(session: Session, path: Path) -> int:
    """Load residential compounds with households and residents."""
    features = read_layer(path, POLYGONS, ("name",), key="name")
    ids = _community_ids(session)
    rows = [
        {
            "name": f.props["name"],
            "community": ids.get(f.props.get("community_code")),
            "households": int(f.props.get("households") or 0),
            "residents": int(f.props.get("residents") or 0),
            "wkt": as_multipolygon(f.geom).wkt,
        }
        for f in features
    ]
    return _insert(
        session,
        """
        INSERT INTO compounds (name, community_id, households, residents, geom)
        VALUES (:name, :community, :households, :residents, ST_GeomFromText(:wkt, 4326))
        ON CONFLICT (name) DO NOTHING""",
        rows,
    )


def load_water(session: Session, path: Path) -> int:
    """Load rivers and lakes for the offline base map."""
    features = read_layer(path, POLYGONS, ("name",), key="name")
    rows = [{"name": f.props["name"], "wkt": as_multipolygon(f.geom).wkt} for f in features]
    return _insert(
        session,
        """
        INSERT INTO water_areas (name, geom) VALUES (:name, ST_GeomFromText(:wkt, 4326))
        ON CONFLICT (name) DO NOTHING""",
        rows,
    )


def load_fire_lanes(session: Session, path: Path) -> int:
    """Load fire lanes with the compound they serve and their status before any history."""
    features = read_layer(path, ("LineString",), ("code", "name", "status"), key="code")
    # {compound name: id}, looked up with an optional name (None finds nothing)
    compounds: dict[str | None, int] = dict(session.execute(text("SELECT name, id FROM compounds")).all())
    rows: list[dict[str, Any]] = []
    for f in features:
        if f.props["status"] not in ("blocked", "partly_blocked", "clear"):
            raise ImportFailed(f"{path.name}: feature {f.index}: status: blocked, partly_blocked or clear", "status")
        rows.append(
            {
                "code": f.props["code"],
                "name": f.props["name"],
                "status": f.props["status"],
                "compound": compounds.get(f.props.get("compound")),
                "households": int(f.props.get("households") or 0),
                "residents": int(f.props.get("residents") or 0),
                "wkt": f.geom.wkt,
            }
        )
    return _insert(
        session,
        """
        INSERT INTO fire_lanes (code, name, status, compound_id, households, residents, geom)
        VALUES (:code, :name, :status, :compound, :households, :residents, ST_GeomFromText(:wkt, 4326))
        ON CONFLICT (code) DO NOTHING""",
        rows,
    )
