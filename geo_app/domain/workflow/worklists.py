"""List queries, always within the caller's scope: issues (filtered, paged), dispatches, escalations."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, overload

from sqlalchemy import BindParameter, TextClause, bindparam, text
from sqlalchemy.orm import Session

from geo_app.domain.core import permissions
from geo_app.domain.core.localtime import zone as local_zone
from geo_app.domain.core.validation import parse_coordinate, parse_date, parse_int, period_bounds
from geo_app.domain.errors import ValidationError
from geo_app.domain.workflow import keyset
from geo_app.domain.workflow.loop import AWAITING_ACCEPTANCE_SQL
from geo_app.models import User
from geo_app.vocab import OPEN_STATUSES, STATUSES

CODE = re.compile(r"[A-Za-z0-9_.:-]{1,60}")
PER_PAGE_MAX = 200
OFFSET_MAX = 10_000  # `page` reaches this many rows deep; further on, `cursor` (an OFFSET reads every row before)
COUNT_MAX = 10_000  # `total` counts this far; beyond, `total_capped` says there are more
SEGMENTS_MAX = 5000  # a bbox answer is capped so that a whole-city box cannot flood a client


@dataclass
class IssueFilter:
    """What a list of issues is narrowed to (all optional)."""

    bbox: tuple[float, float, float, float] | None = None
    statuses: list[str] = field(default_factory=list)
    category: str | None = None
    team: str | None = None
    segment: str | None = None
    start: date | None = None
    end: date | None = None
    overdue: bool = False
    unlinked: bool = False  # the review queue: no segment, so no team would ever see them
    awaiting: bool = False  # 待验收: every department summoned is done
    page: int = 1
    per_page: int = 50
    cursor: str | None = None  # next_cursor of the page before (keyset: any depth costs one page)


@overload
def parse_bbox(value: object, required: Literal[True]) -> tuple[float, float, float, float]: ...
@overload
def parse_bbox(value: object, required: bool = False) -> tuple[float, float, float, float] | None: ...
def parse_bbox(value: object, required: bool = False) -> tuple[float, float, float, float] | None:
    """Return (minlon, minlat, maxlon, maxlat) from 'a,b,c,d'; 400 naming `bbox` when malformed."""
    if value in (None, ""):
        if required:
            raise ValidationError("bbox: minlon,minlat,maxlon,maxlat is required", "bbox")
        return None
    parts = str(value).split(",")
    if len(parts) != 4:
        raise ValidationError("bbox: four numbers minlon,minlat,maxlon,maxlat", "bbox")
    lo_lon, lo_lat, hi_lon, hi_lat = (parse_coordinate(p, "bbox", -180, 180) for p in parts)
    if not (-90 <= lo_lat <= 90 and -90 <= hi_lat <= 90) or lo_lon >= hi_lon or lo_lat >= hi_lat:
        raise ValidationError("bbox: needs minlon < maxlon and minlat < maxlat within range", "bbox")
    return lo_lon, lo_lat, hi_lon, hi_lat


def _int(value: object, name: str, default: int, low: int, high: int) -> int:
    return default if value in (None, "") else parse_int(value, name, low, high)


def parse_filter(session: Session, args: Mapping[str, Any]) -> IssueFilter:
    """Return an IssueFilter from query arguments, refusing unknown codes and malformed values by field."""
    f = IssueFilter(bbox=parse_bbox(args.get("bbox")))
    if args.get("status"):
        f.statuses = [s for s in str(args["status"]).split(",") if s]
        bad = [s for s in f.statuses if s not in STATUSES + ("open",)]
        if bad:
            raise ValidationError(f"status: unknown status {bad[0][:30]!r}", "status")
    for name, table in (("category", "categories"), ("team", "teams"), ("segment", "street_segments")):
        value = args.get(name) or None
        if value is not None:
            if not CODE.fullmatch(str(value)):  # never send NUL or odd bytes to the database
                raise ValidationError(f"{name}: not a valid code", name)
            if not session.execute(text(f"SELECT 1 FROM {table} WHERE code = :c"), {"c": value}).first():
                raise ValidationError(f"{name}: unknown {name} {str(value)[:40]!r}", name)
            setattr(f, name, value)
    f.start = parse_date(args["start"], "start") if args.get("start") else None
    f.end = parse_date(args["end"], "end") if args.get("end") else None
    if f.start and f.end and f.end < f.start:
        raise ValidationError("end: the period ends before it starts", "end")
    f.overdue = str(args.get("overdue", "")).lower() in ("1", "true", "yes")
    f.unlinked = str(args.get("unlinked", "")).lower() in ("1", "true", "yes")
    f.awaiting = str(args.get("awaiting", "")).lower() in ("1", "true", "yes")
    f.per_page = _int(args.get("per_page"), "per_page", 50, 1, PER_PAGE_MAX)
    f.page = _int(args.get("page"), "page", 1, 1, 1_000_000)
    if (f.page - 1) * f.per_page > OFFSET_MAX:
        raise ValidationError(f"page: pages reach {OFFSET_MAX} rows deep; go further with cursor", "page")
    f.cursor = args.get("cursor") or None
    if f.cursor is not None and args.get("page") not in (None, "", "1"):
        raise ValidationError("cursor: give either page or cursor", "cursor")
    return f


def _where(user: User, f: IssueFilter, now: datetime) -> tuple[str, dict[str, Any]]:
    scope, params = permissions.scope_sql(user)
    conds = [scope]
    params = {**params, "now": now, "open": list(OPEN_STATUSES)}
    if f.bbox:
        conds.append("i.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)")
        params.update(x0=f.bbox[0], y0=f.bbox[1], x1=f.bbox[2], y1=f.bbox[3])
    statuses = [s for s in f.statuses if s != "open"] + (list(OPEN_STATUSES) if "open" in f.statuses else [])
    if statuses:
        conds.append("i.status IN :statuses")
        params["statuses"] = statuses
    if f.category:
        conds.append("i.category = :category")
        params["category"] = f.category
    if f.team:
        conds.append("i.team_id = (SELECT id FROM teams WHERE code = :team)")
        params["team"] = f.team
    if f.segment:
        conds.append("i.segment_id = (SELECT id FROM street_segments WHERE code = :segment)")
        params["segment"] = f.segment
    if f.start or f.end:
        lo, hi = period_bounds(f.start or date(1900, 1, 1), f.end or date(2999, 12, 31))
        conds.append("i.reported_at >= :lo AND i.reported_at < :hi")
        params.update(lo=lo, hi=hi)
    if f.overdue:
        conds.append(keyset.OVERDUE)
    if f.unlinked:
        conds.append("i.segment_id IS NULL")
    if f.awaiting:
        conds.append(AWAITING_ACCEPTANCE_SQL)
    return " AND ".join(conds), params


_LIST = """
SELECT i.id, i.ref, i.category, c.name_zh AS category_zh, c.name_en AS category_en, i.status, i.resolution,
       i.priority, i.channel, i.address, left(i.description, 80) AS summary, i.reported_at, i.due_at, i.version,
       s.code AS segment, s.street_name, t.code AS team, t.name AS team_name, i.unlinked_reason,
       (SELECT u.username FROM users u WHERE u.id = i.review_owner_id) AS review_owner,
       {awaiting} AS awaiting_acceptance,
       CASE WHEN {overdue} THEN floor(extract(epoch FROM (:now - i.due_at)) / 86400)::int END AS days_overdue,
       (SELECT count(*) FROM dispatches rd WHERE rd.issue_id = i.id AND rd.returned_at IS NOT NULL) AS returned,
       (SELECT count(*) FROM issue_events ee WHERE ee.issue_id = i.id AND ee.action = 'escalate') AS escalations,
       coalesce({overdue}, false) AS overdue, ST_AsGeoJSON(i.geom, 6) AS geometry
FROM ({keys}) page JOIN issues i ON i.id = page.id JOIN categories c ON c.code = i.category
LEFT JOIN street_segments s ON s.id = i.segment_id LEFT JOIN teams t ON t.id = i.team_id
ORDER BY {order}"""
NEWEST_OVERDUE_FIRST, MOST_OVERDUE_FIRST = keyset.NEWEST, keyset.DUE


def _sql(sql: str, params: dict[str, Any]) -> TextClause:
    """Return text(sql) with list parameters it uses bound as expanding IN lists."""
    lists: list[BindParameter[Any]] = [
        bindparam(k, expanding=True) for k, v in params.items() if isinstance(v, list) and f":{k}" in sql
    ]
    return text(sql).bindparams(*lists)


def _branches(f: IssueFilter) -> tuple[bool, str | None]:
    """Return whether overdue issues can match `f`, and the simplest condition for the others (None: none
    can), known from the filter alone."""
    statuses = set(f.statuses) - {"open"} | (set(OPEN_STATUSES) if "open" in f.statuses else set())
    if f.overdue:
        return True, None
    if statuses and not statuses & set(OPEN_STATUSES):
        return False, "TRUE"
    if statuses and statuses <= set(OPEN_STATUSES):
        return True, "(i.due_at >= :now OR i.due_at IS NULL)"
    return True, keyset.NOT_OVERDUE


def scoped_query(
    sql: str, user: User, f: IssueFilter, now: datetime | None = None
) -> tuple[TextClause, dict[str, Any]]:
    """Return `sql` (with `{where}` on issues `i`) narrowed to the user's scope and the filters, and its params."""
    where, params = _where(user, f, now or datetime.now(UTC))
    query = sql.format(where=where)
    return _sql(query, params), params


def list_issues(
    session: Session, user: User, f: IssueFilter, order: str = NEWEST_OVERDUE_FIRST, now: datetime | None = None
) -> dict[str, Any]:
    """Return {rows, total, total_capped, page, per_page, next_cursor}: the user's issues matching `f`, in
    `order` (overdue then newest first, or most overdue first), from `f.cursor` or page `f.page`."""
    cursor = keyset.decode(f.cursor, order) if f.cursor else None
    now = cursor.now if cursor else (now or datetime.now(UTC))
    where, params = _where(user, f, now)
    total = session.execute(
        _sql(f"SELECT count(*) FROM (SELECT 1 FROM issues i WHERE {where} LIMIT {COUNT_MAX + 1}) q", params), params
    ).scalar_one()
    keys, page_order, extra = keyset.page_sql(where, order, cursor, _branches(f), few=int(total) <= keyset.FEW)
    sql = _LIST.format(keys=keys, order=page_order, awaiting=AWAITING_ACCEPTANCE_SQL, overdue=keyset.OVERDUE)
    offset = 0 if cursor else (f.page - 1) * f.per_page
    rows = [
        dict(r)
        for r in session.execute(_sql(sql, params), {**params, **extra, "limit": f.per_page + 1, "offset": offset})
        .mappings()
        .all()
    ]
    more = len(rows) > f.per_page
    rows = rows[: f.per_page]
    return {
        "rows": rows,
        "total": min(int(total), COUNT_MAX),
        "total_capped": int(total) > COUNT_MAX,
        "page": None if cursor else f.page,
        "per_page": f.per_page,
        "next_cursor": keyset.after(rows[-1], order, now) if more else None,
        "offset_max": OFFSET_MAX,
    }


def issues_geojson(listing: dict[str, Any]) -> dict[str, Any]:
    """Return a paged FeatureCollection of a listing (no personal data, no free text)."""
    features: list[dict[str, Any]] = []
    for r in listing["rows"]:
        props = {
            k: (v.astimezone(local_zone()).isoformat() if isinstance(v, datetime) else v)
            for k, v in r.items()
            if k not in ("id", "geometry", "summary", "address")
        }
        features.append({"type": "Feature", "id": r["ref"], "geometry": json.loads(r["geometry"]), "properties": props})
    return {
        "type": "FeatureCollection",
        "features": features,
        "total": listing["total"],
        "total_capped": listing["total_capped"],
        "page": listing["page"],
        "per_page": listing["per_page"],
        "next_cursor": listing["next_cursor"],
    }


def escalations(
    session: Session, user: User, page: int = 1, now: datetime | None = None, cursor: str | None = None
) -> dict[str, Any]:
    """Return the user's overdue open issues, most overdue first, with a count per team."""
    f = IssueFilter(overdue=True, page=page, per_page=100, cursor=cursor)
    listing = list_issues(session, user, f, order=MOST_OVERDUE_FIRST, now=now)
    where, params = _where(
        user, f, keyset.decode(cursor, MOST_OVERDUE_FIRST).now if cursor else now or datetime.now(UTC)
    )
    listing["by_team"] = [
        dict(r)
        for r in session.execute(
            _sql(
                f"""
        SELECT coalesce(t.name, '') AS team_name, t.code AS team, count(*) AS overdue, min(i.due_at) AS oldest_due
        FROM issues i LEFT JOIN teams t ON t.id = i.team_id WHERE {where}
        GROUP BY t.name, t.code ORDER BY count(*) DESC, t.code""",
                params,
            ),
            params,
        ).mappings()
    ]
    return listing


def department_dispatches(
    session: Session, user: User, include_done: bool = False, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Return the dispatches of the user's department (admin: every department), open ones oldest first."""
    dep_cond = "TRUE" if user.role == "admin" else "d.department_id = :dep"
    done_cond = "TRUE" if include_done else "d.done_at IS NULL AND d.returned_at IS NULL"
    rows = session.execute(
        text(f"""
        SELECT d.id, d.reason, d.created_at, d.acknowledged_at, d.arrived_at, d.done_at, d.returned_at, d.return_reason,
               dep.code AS department, dep.name_zh AS department_zh, dep.name_en AS department_en,
               i.ref, i.category, c.name_zh AS category_zh, c.name_en AS category_en, i.status, i.version,
               i.address, s.street_name, t.name AS team_name,
               (i.status IN :open AND i.due_at < :now) AS overdue
        FROM dispatches d JOIN departments dep ON dep.id = d.department_id JOIN issues i ON i.id = d.issue_id
        JOIN categories c ON c.code = i.category LEFT JOIN street_segments s ON s.id = i.segment_id
        LEFT JOIN teams t ON t.id = i.team_id
        WHERE {dep_cond} AND {done_cond}
        ORDER BY d.done_at IS NOT NULL, d.created_at, d.id LIMIT 500""").bindparams(bindparam("open", expanding=True)),
        {"dep": user.department_id, "open": list(OPEN_STATUSES), "now": now or datetime.now(UTC)},
    )
    return [dict(r) for r in rows.mappings()]


def categories(session: Session, active_only: bool = False) -> list[dict[str, Any]]:
    """Return the categories with their names and service level (only the active ones: what intake offers)."""
    where = "WHERE active" if active_only else ""
    return [
        dict(r)
        for r in session.execute(
            text(
                f"SELECT code, name_zh, name_en, sla_days, blocks_access, active FROM categories {where} ORDER BY code"
            )
        ).mappings()
    ]


def departments(session: Session, active_only: bool = False) -> list[dict[str, Any]]:
    """Return the departments with their names (only the active ones: those a chief can summon)."""
    where = "WHERE active" if active_only else ""
    return [
        dict(r)
        for r in session.execute(
            text(f"SELECT code, name_zh, name_en, active FROM departments {where} ORDER BY id")
        ).mappings()
    ]


def default_departments(session: Session, category: str) -> list[str]:
    """Return the codes of the active departments the whistle pre-selects for a category."""
    return list(
        session.execute(
            text("""SELECT d.code FROM category_departments cd JOIN departments d ON d.id = cd.department_id
                    WHERE cd.category_code = :c AND d.active ORDER BY cd.position"""),
            {"c": category},
        ).scalars()
    )


def teams(session: Session) -> list[dict[str, Any]]:
    """Return every team with its community, chief, secretary and number of segments."""
    return [
        dict(r)
        for r in session.execute(
            text("""
        SELECT t.code, t.name, a.code AS community,
               (SELECT u.username FROM users u WHERE u.team_id = t.id AND u.role = 'chief' ORDER BY u.id LIMIT 1)
                   AS chief,
               (SELECT u.username FROM users u WHERE u.team_id = t.id AND u.role = 'secretary' ORDER BY u.id
                LIMIT 1) AS secretary,
               (SELECT count(*) FROM team_segments ts WHERE ts.team_id = t.id) AS segments
        FROM teams t LEFT JOIN admin_areas a ON a.id = t.community_id ORDER BY t.code""")
        ).mappings()
    ]


def segments_in_bbox(
    session: Session, bbox: tuple[float, float, float, float], limit: int = SEGMENTS_MAX
) -> dict[str, Any]:
    """Return the live segments meeting the bbox as GeoJSON (at most `limit`; `truncated` says if cut)."""
    rows = (
        session.execute(
            text("""
        SELECT s.id, s.code, s.street_name, round(s.length_m::numeric, 1)::float AS length_m, a.code AS community,
               (SELECT array_agg(t.code ORDER BY t.code) FROM team_segments ts JOIN teams t ON t.id = ts.team_id
                WHERE ts.segment_id = s.id) AS teams,
               ST_AsGeoJSON(s.geom, 6) AS geometry
        FROM street_segments s LEFT JOIN admin_areas a ON a.id = s.community_id
        WHERE s.retired_at IS NULL AND s.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)
        ORDER BY s.id LIMIT :n"""),
            {"x0": bbox[0], "y0": bbox[1], "x1": bbox[2], "y1": bbox[3], "n": limit + 1},
        )
        .mappings()
        .all()
    )
    features = [
        {
            "type": "Feature",
            "id": r["code"],
            "geometry": json.loads(r["geometry"]),
            "properties": {k: (v or []) if k == "teams" else v for k, v in r.items() if k != "geometry"},
        }
        for r in rows[:limit]
    ]
    return {"type": "FeatureCollection", "features": features, "truncated": len(rows) > limit}
