"""Resolved issues for the public: category, day and street segment only, placed at the segment.

No reporter name or phone, no description or address, no reference, and never the reported point: the
location is the midpoint of the segment the issue is linked to (unlinked issues are left out, since
they cannot be generalised). Paged by `limit`/`offset`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from geo_app.domain.core.localtime import zone_name as local_zone_name
from geo_app.domain.core.validation import parse_coordinate, parse_int, period_bounds
from geo_app.domain.errors import ValidationError
from geo_app.domain.maps.filters import parse_categories, parse_period
from geo_app.vocab import SOLVED_STATUSES

DEFAULT_LIMIT, MAX_LIMIT = 500, 5000
PUBLIC_FIELDS = ("category", "category_name", "resolved_on", "segment", "street")


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """Return (west, south, east, north) from 'w,s,e,n' in degrees, or None when absent."""
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise ValidationError("bbox: expected four numbers west,south,east,north", "bbox")
    w, e = (parse_coordinate(parts[i], "bbox", -180, 180) for i in (0, 2))
    s, n = (parse_coordinate(parts[i], "bbox", -90, 90) for i in (1, 3))
    if w >= e or s >= n:
        raise ValidationError("bbox: west must be less than east and south less than north", "bbox")
    return w, s, e, n


def _int(raw: Any, name: str, default: int, low: int, high: int) -> int:
    return default if raw is None or raw == "" else parse_int(raw, name, low, high)


def public_issues(session: Session, args: Mapping[str, Any], lang: str = "zh") -> str:
    """Return solved issues as the JSON text of a GeoJSON FeatureCollection of generalised points, with
    paging. PostgreSQL writes the features (json_agg): building and dumping hundreds of dicts per answer
    in Python cost more than the query."""
    bbox = parse_bbox(args.get("bbox"))
    categories = parse_categories(session, args.get("category"))
    start, end = parse_period(args.get("start"), args.get("end"))
    limit = _int(args.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int(args.get("offset"), "offset", 0, 0, 10_000_000)
    where = ["i.status IN :solved"]
    params: dict[str, Any] = {
        "solved": list(SOLVED_STATUSES),
        "limit": limit + 1,
        "shown": limit,
        "offset": offset,
        "tz": local_zone_name(),
    }
    expanding = ["solved"]
    if bbox:
        where.append(
            "ST_Intersects(ST_LineInterpolatePoint(s.geom, 0.5), ST_MakeEnvelope(:w, :s, :e, :n, 4326))"
            " AND s.geom && ST_MakeEnvelope(:w, :s, :e, :n, 4326)"
        )
        params.update(w=bbox[0], s=bbox[1], e=bbox[2], n=bbox[3])
    if categories:
        where.append("i.category IN :cats")
        params["cats"] = list(categories)
        expanding.append("cats")
    if start or end:
        from datetime import date

        lo, hi = period_bounds(start or date(1900, 1, 1), end or date(2999, 12, 31))
        where.append("i.resolved_at >= :lo AND i.resolved_at < :hi")
        params.update(lo=lo, hi=hi)
    name_col = "c.name_en" if lang == "en" else "c.name_zh"
    properties = ", ".join(f"'{k}', {k}" for k in PUBLIC_FIELDS)
    sql = text(f"""
        WITH page AS (
            SELECT i.id, i.category, {name_col} AS category_name,
                   to_char(i.resolved_at AT TIME ZONE :tz, 'YYYY-MM-DD') AS resolved_on,
                   s.code AS segment, s.street_name AS street, ST_LineInterpolatePoint(s.geom, 0.5) AS mid
            FROM issues i JOIN street_segments s ON s.id = i.segment_id JOIN categories c ON c.code = i.category
            WHERE {" AND ".join(where)}
            ORDER BY i.id DESC
            LIMIT :limit OFFSET :offset)
        SELECT count(*) AS n, coalesce(json_agg(json_build_object(
                   'type', 'Feature',
                   'geometry', json_build_object('type', 'Point', 'coordinates',
                       json_build_array(round(ST_X(mid)::numeric, 6), round(ST_Y(mid)::numeric, 6))),
                   'properties', json_build_object({properties}))
               ORDER BY id DESC) FILTER (WHERE rn <= :shown), '[]')::text AS features
        FROM (SELECT *, row_number() OVER (ORDER BY id DESC) AS rn FROM page) p""").bindparams(
        *(bindparam(n, expanding=True) for n in expanding)
    )
    row = session.execute(sql, params).one()
    next_offset = offset + limit if row.n > limit else None
    return (
        f'{{"type": "FeatureCollection", "features": {row.features}, "limit": {limit}, "offset": {offset}, '
        f'"next_offset": {json.dumps(next_offset)}}}'
    )
