"""A filtered issue list as GeoPackage or GeoJSON for QGIS (geopandas through pyogrio).

The list is the caller's own (the same scope and filters as GET /api/issues). Reporter names, phones, e-mails
and free text are left out unless the caller asks for them and their role reads personal data
(READ_ALL_ROLES); any other role asking is refused. Times are local ISO 8601 with their offset, as in the API.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy.orm import Session

from geo_app.domain.core.localtime import zone as local_zone
from geo_app.domain.errors import Forbidden, ValidationError
from geo_app.domain.workflow import worklists
from geo_app.models import User
from geo_app.vocab import READ_ALL_ROLES

FORMATS = {"gpkg": "application/geopackage+sqlite3", "geojson": "application/geo+json"}
EXPORT_MAX = 250_000  # rows in one file: beyond this, narrow the filters (a period, a team, a category)
PERSONAL_COLUMNS = "i.reporter_name, i.reporter_phone, i.reporter_email, i.description, i.address,"
_EXPORT = """
SELECT i.ref, i.category, c.name_zh AS category_zh, c.name_en AS category_en, i.status, i.resolution, i.priority,
       i.channel, {personal} i.reported_at, i.due_at, i.resolved_at, i.closed_at, s.code AS segment, s.street_name,
       t.code AS team, t.name AS team_name, i.snap_distance_m, (i.status IN :open AND i.due_at < :now) AS overdue,
       ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat
FROM issues i JOIN categories c ON c.code = i.category
LEFT JOIN street_segments s ON s.id = i.segment_id LEFT JOIN teams t ON t.id = i.team_id
WHERE {{where}} ORDER BY i.reported_at, i.id LIMIT :limit
"""


def issues_frame(session: Session, user: User, f: worklists.IssueFilter, personal: bool = False) -> gpd.GeoDataFrame:
    """Return the user's issues matching `f` as points in EPSG:4326; personal data only when asked and allowed."""
    if personal and user.role not in READ_ALL_ROLES:
        raise Forbidden(f"personal: role {user.role} may not export reporters' personal data", "personal")
    sql, params = worklists.scoped_query(_EXPORT.format(personal=PERSONAL_COLUMNS if personal else ""), user, f)
    rows = session.execute(sql, {**params, "limit": EXPORT_MAX + 1}).mappings().all()
    if len(rows) > EXPORT_MAX:
        raise ValidationError(
            f"filters: more than {EXPORT_MAX} issues match; narrow the period, team or category",
            "start",
            msgid="More than %(n)s issues match: narrow the period, team or category.",
            params={"n": EXPORT_MAX},
        )
    if not rows:
        return gpd.GeoDataFrame({"ref": []}, geometry=gpd.points_from_xy([], []), crs=4326)
    frame = pd.DataFrame([{k: _iso(v) for k, v in r.items()} for r in rows], columns=list(rows[0].keys()))
    geometry = gpd.points_from_xy(frame.pop("lon"), frame.pop("lat"))
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)


def _iso(value: Any) -> Any:
    return value.astimezone(local_zone()).isoformat() if isinstance(value, datetime) else value


def encode(frame: gpd.GeoDataFrame, fmt: str) -> bytes:
    """Return the frame as a GeoPackage (layer `issues`) or a GeoJSON file's bytes."""
    if fmt == "geojson":
        text: str = frame.to_json(drop_id=True, ensure_ascii=False)
        return text.encode("utf-8")
    if fmt != "gpkg":
        raise ValidationError("format: gpkg or geojson", "format")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "issues.gpkg"
        frame.to_file(path, layer="issues", driver="GPKG", engine="pyogrio")
        return path.read_bytes()
