"""The district's report, computed from issues, events, visits and fire-lane history — never stored.

Definitions (for a period [start, end] in local time and an optional area):
- visits: residents received at reception halls in the period (sum of each visit's people, 人次);
- issues_collected: issues reported in the period, less those merged as duplicates;
- solved_on_site / solved_by_team: of those, the ones whose state at the end of the period is resolved,
  verified or closed, by the resolution type of their latest resolution;
- open: of those, still reported/accepted/dispatched/in progress at the end of the period;
  overdue: open ones past their due date at the end of the period (or now, if that is earlier);
- fire_lanes_opened: lane status changes to clear from blocked or partly blocked within the period.
Breakdowns of the same cohort: by category, by segment (top N), by team; by department: dispatches made
in the period, with median and 90th percentile hours to acknowledge (报到) and to finish, counting the
steps taken by the end of the period; time to resolve: hours from report to the latest resolution of the
issues solved at the end of the period (median, 90th percentile); satisfaction: the 回访 recorded in the
period (satisfaction.py).

Speed: the state at the end of the period is looked up in issue_events only for issues with a state
change at or after the period's end; for every other issue the current row (status, resolution,
resolved_at — kept in step with the events by workflow.actions) is that state. The query below (_AT_END) is
the reference definition and answers for administrative areas; for the district and for a team the same
rows come from per-month rollups (rollups.py), so a year's report does not read every issue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.analysis import cache
from geo_app.domain.analysis.reports import rollups, satisfaction
from geo_app.domain.core.validation import period_bounds
from geo_app.domain.errors import ValidationError
from geo_app.vocab import LANE_BLOCKED_STATUSES, OPEN_STATUSES, SOLVED_STATUSES, STATUSES, sql_in

log = logging.getLogger(__name__)
HEADLINE = ("visits", "issues_collected", "solved_on_site", "solved_by_team", "open", "overdue", "fire_lanes_opened")


@dataclass(frozen=True)
class Area:
    """A report area: an administrative area by code, or a team by code."""

    kind: str  # "admin" or "team"
    code: str


def parse_area(value: str | None) -> Area | None:
    """Return the Area named by `CODE` (administrative area) or `team:CODE`, or None for everywhere."""
    if not value:
        return None
    if value.startswith("team:"):
        return Area("team", value[5:])
    return Area("admin", value)


def _area_filters(session: Session, area: Area | None) -> tuple[str, str, str, dict[str, Any]]:
    """Return SQL conditions on issues (i), halls (h) and fire lanes (f) for the area."""
    if area is None:
        return "TRUE", "TRUE", "TRUE", {}
    if area.kind == "admin":
        if not session.execute(text("SELECT 1 FROM admin_areas WHERE code = :a"), {"a": area.code}).first():
            raise ValidationError(
                f"area: unknown area {area.code[:40]!r}",
                "area",
                msgid="Unknown area or team: %(code)s",
                params={"code": area.code[:40]},
            )
        poly = "(SELECT geom FROM admin_areas WHERE code = :area)"
        return (
            f"ST_Covers({poly}, i.geom)",
            f"ST_Covers({poly}, h.geom)",
            f"ST_Intersects({poly}, f.geom)",
            {"area": area.code},
        )
    team_id = session.execute(text("SELECT id FROM teams WHERE code = :a"), {"a": area.code}).scalar()
    if team_id is None:
        raise ValidationError(
            f"area: unknown team {area.code[:40]!r}",
            "area",
            msgid="Unknown area or team: %(code)s",
            params={"code": area.code[:40]},
        )
    community = "(SELECT a.geom FROM admin_areas a JOIN teams t ON t.community_id = a.id WHERE t.id = :team)"
    return (
        "i.team_id = :team",
        f"ST_Covers({community}, h.geom)",
        f"ST_Intersects({community}, f.geom)",
        {"team": team_id},
    )


OPEN, SOLVED = sql_in("status", OPEN_STATUSES), sql_in("status", SOLVED_STATUSES)
_AT_END = f"""
WITH late AS MATERIALIZED (
    SELECT DISTINCT e.issue_id FROM issue_events e JOIN issues i ON i.id = e.issue_id
    WHERE e.to_status = ANY(CAST(:statuses AS text[])) AND e.at >= :hi
      AND i.reported_at >= :lo AND i.reported_at < :hi AND {{issue_cond}}
), at_end AS (
    -- no state change at or after the end: the issue's current row is its state at the end
    SELECT i.id, i.category, i.team_id, i.segment_id, i.due_at, i.reported_at, i.status, i.resolution, i.resolved_at
    FROM issues i
    WHERE i.reported_at >= :lo AND i.reported_at < :hi AND {{issue_cond}}
      AND NOT EXISTS (SELECT 1 FROM late l WHERE l.issue_id = i.id)
    UNION ALL
    SELECT i.id, i.category, i.team_id, i.segment_id, i.due_at, i.reported_at, s.to_status, r.resolution, r.at
    FROM issues i JOIN late l ON l.issue_id = i.id
    CROSS JOIN LATERAL (SELECT e.to_status FROM issue_events e
                        WHERE e.issue_id = i.id AND e.at < :hi AND e.to_status IS NOT NULL
                        ORDER BY e.at DESC, e.id DESC LIMIT 1) s
    LEFT JOIN LATERAL (SELECT e.data->>'resolution' AS resolution, e.at FROM issue_events e
                       WHERE e.issue_id = i.id AND e.action = 'resolve' AND e.at < :hi
                       ORDER BY e.at DESC, e.id DESC LIMIT 1) r ON TRUE
    WHERE i.reported_at >= :lo AND i.reported_at < :hi AND {{issue_cond}}
), classed AS (
    SELECT category, team_id, segment_id,
           status <> 'duplicate' AS collected,
           {SOLVED} AND resolution = 'on_site' AS on_site,
           {SOLVED} AND resolution = 'team' AS by_team,
           {OPEN} AS open,
           {OPEN} AND due_at < :asof AS overdue,
           status = 'rejected' AS rejected,
           CASE WHEN {SOLVED}
                THEN extract(epoch FROM resolved_at - reported_at) / 3600.0 END AS hours
    FROM at_end
)
-- Counts group by hashing in one pass; only the percentiles need sorting, and only of solved issues.
SELECT 'count' AS kind, GROUPING(category) AS g_cat, GROUPING(team_id) AS g_team, GROUPING(segment_id) AS g_seg,
       category, team_id, segment_id,
       count(*) FILTER (WHERE collected) AS issues_collected,
       count(*) FILTER (WHERE on_site) AS solved_on_site,
       count(*) FILTER (WHERE by_team) AS solved_by_team,
       count(*) FILTER (WHERE open) AS open,
       count(*) FILTER (WHERE overdue) AS overdue,
       count(*) FILTER (WHERE rejected) AS rejected,
       NULL::bigint AS solved, NULL::float8 AS median_h, NULL::float8 AS p90_h
FROM classed GROUP BY GROUPING SETS ((), (category), (team_id), (segment_id))
UNION ALL
SELECT 'time', 1, GROUPING(team_id), 1, NULL, team_id, NULL, 0, 0, 0, 0, 0, 0, count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY hours), percentile_cont(0.9) WITHIN GROUP (ORDER BY hours)
FROM classed WHERE hours IS NOT NULL GROUP BY GROUPING SETS ((), (team_id))
"""

_DEPARTMENTS = """
WITH d AS (
    SELECT x.department_id,
           CASE WHEN x.acknowledged_at < :hi THEN extract(epoch FROM x.acknowledged_at - x.created_at) / 3600.0 END
               AS ack_h,
           CASE WHEN x.done_at < :hi THEN extract(epoch FROM x.done_at - x.created_at) / 3600.0 END AS done_h
    FROM dispatches x JOIN issues i ON i.id = x.issue_id
    WHERE x.created_at >= :lo AND x.created_at < :hi AND {issue_cond}
)
SELECT dep.code AS department, dep.name_zh, dep.name_en, count(*) AS dispatches,
       count(ack_h) AS acknowledged, count(done_h) AS done,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ack_h) AS ack_median_h,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY ack_h) AS ack_p90_h,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY done_h) AS done_median_h,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY done_h) AS done_p90_h
FROM d JOIN departments dep ON dep.id = d.department_id
GROUP BY dep.code, dep.name_zh, dep.name_en ORDER BY dep.code
"""

COUNTS = ("issues_collected", "solved_on_site", "solved_by_team", "open", "overdue", "rejected")
TOP_SEGMENTS = 10


def _hours(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def figures(
    session: Session,
    start: date,
    end: date,
    area: Area | None = None,
    now: datetime | None = None,
    top_segments: int = TOP_SEGMENTS,
    live: bool = False,
) -> dict[str, Any]:
    """Return the report for the period and area: headline figures and every breakdown.

    `live` computes the cohort from issues and events alone, ignoring the rollups (a cross-check).
    """
    lo, hi = period_bounds(start, end)
    asof = min(hi, now or datetime.now(UTC))
    issue_cond, hall_cond, lane_cond, area_params = _area_filters(session, area)
    params = {"lo": lo, "hi": hi, "asof": asof, "statuses": list(STATUSES), **area_params}
    # The planner prices the per-issue lookups for every issue and then spends longer JIT-compiling the query
    # than running it.
    cache.no_jit(session)
    result = (
        _live_rows(session, issue_cond, params)
        if live
        else _cohort_rows(session, start, end, asof, area, issue_cond, params, top_segments)
    )
    rows = [r for r in result if r["kind"] == "count"]
    times = {(r["g_team"], r["team_id"]): r for r in result if r["kind"] == "time"}
    total = next(r for r in rows if r["g_cat"] and r["g_team"] and r["g_seg"])
    total_time = times.get((1, None), {"solved": 0, "median_h": None, "p90_h": None})
    visits = session.execute(
        text(f"""
        SELECT coalesce(sum(v.people), 0) FROM visits v JOIN reception_halls h ON h.id = v.hall_id
        WHERE v.visited_at >= :lo AND v.visited_at < :hi AND {hall_cond}"""),
        params,
    ).scalar_one()
    opened = session.execute(
        text(f"""
        SELECT count(*) FROM fire_lane_status_events e JOIN fire_lanes f ON f.id = e.fire_lane_id
        WHERE e.to_status = 'clear' AND {sql_in("e.from_status", LANE_BLOCKED_STATUSES)}
          AND e.at >= :lo AND e.at < :hi AND {lane_cond}"""),
        params,
    ).scalar_one()
    counts = {k: int(total[k]) for k in COUNTS}
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "area": f"{area.kind}:{area.code}" if area else None,
        "visits": int(visits),
        **counts,
        "fire_lanes_opened": int(opened),
        "by_category": sorted(
            ({"category": r["category"], **{k: int(r[k]) for k in COUNTS}} for r in rows if not r["g_cat"]),
            key=lambda r: r["category"],
        ),
        "by_segment": _by_segment(session, [r for r in rows if not r["g_seg"]], top_segments),
        "by_team": _by_team(session, [r for r in rows if not r["g_team"]], times),
        "by_department": _by_department(session, issue_cond, params),
        "satisfaction": satisfaction.figures(session, issue_cond, params),
        "time_to_resolve": {
            "solved": int(total_time["solved"]),
            "median_h": _hours(total_time["median_h"]),
            "p90_h": _hours(total_time["p90_h"]),
        },
    }


def _live_rows(session: Session, issue_cond: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the cohort rows computed from the issues and events themselves (the reference definition)."""
    return [dict(r) for r in session.execute(text(_AT_END.format(issue_cond=issue_cond)), params).mappings()]


def _cohort_rows(
    session: Session,
    start: date,
    end: date,
    asof: datetime,
    area: Area | None,
    issue_cond: str,
    params: dict[str, Any],
    top_segments: int,
) -> list[dict[str, Any]]:
    """Return the cohort rows: from the rollups for the district or a team, live for administrative areas."""
    if area is None or area.kind == "team":
        try:
            return rollups.cohort_rows(
                session,
                start,
                end,
                asof,
                params.get("team"),
                top_segments,
                lambda cond, extra: _live_rows(session, cond, {**params, **extra}),
            )
        except rollups.RollupMismatch:
            log.exception("report rollups disagree with the issues; answering from the live query")
    return _live_rows(session, issue_cond, params)


def _by_segment(session: Session, rows: list[dict[str, Any]], top: int) -> list[dict[str, Any]]:
    rows = sorted(
        (r for r in rows if r["segment_id"] is not None),
        key=lambda r: (-r["issues_collected"], -r["open"], r["segment_id"]),
    )[:top]
    names = {
        r.id: r
        for r in session.execute(
            text("SELECT id, code, street_name FROM street_segments WHERE id = ANY(:ids)"),
            {"ids": [r["segment_id"] for r in rows]},
        )
    }
    return [
        {
            "segment_id": r["segment_id"],
            "code": names[r["segment_id"]].code,
            "street_name": names[r["segment_id"]].street_name,
            **{k: int(r[k]) for k in COUNTS},
        }
        for r in rows
    ]


def _by_team(
    session: Session, rows: list[dict[str, Any]], times: dict[tuple[Any, Any], dict[str, Any]]
) -> list[dict[str, Any]]:
    teams = {t.id: t for t in session.execute(text("SELECT id, code, name FROM teams"))}
    none = {"median_h": None, "p90_h": None}
    out = [
        {
            "team": teams[r["team_id"]].code if r["team_id"] else None,
            "name": teams[r["team_id"]].name if r["team_id"] else None,
            **{k: int(r[k]) for k in COUNTS},
            "median_h": _hours(times.get((0, r["team_id"]), none)["median_h"]),
            "p90_h": _hours(times.get((0, r["team_id"]), none)["p90_h"]),
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (r["team"] is None, r["team"] or ""))


def _by_department(session: Session, issue_cond: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    rows = session.execute(text(_DEPARTMENTS.format(issue_cond=issue_cond)), params).mappings()
    return [{k: (_hours(v) if k.endswith("_h") else v) for k, v in r.items()} for r in rows]


def area_choices(session: Session) -> list[dict[str, Any]]:
    """Return the areas a report can cover: {value, name, level} for admin areas, then teams."""
    areas = [
        {"value": r.code, "name": r.name, "level": r.level}
        for r in session.execute(
            text(
                "SELECT code, name, level FROM admin_areas "
                "ORDER BY array_position(ARRAY['district','subdistrict','community'], level::text), code"
            )
        )
    ]
    teams = [
        {"value": f"team:{r.code}", "name": r.name, "level": "team"}
        for r in session.execute(text("SELECT code, name FROM teams ORDER BY code"))
    ]
    return areas + teams


def category_names(session: Session, lang: str) -> dict[str, str]:
    """Return {category code: name} in `lang` (zh or en)."""
    column = "name_en" if lang == "en" else "name_zh"
    return dict(session.execute(text(f"SELECT code, {column} FROM categories")).all())


def department_names(session: Session, lang: str) -> dict[str, str]:
    """Return {department code: name} in `lang` (zh or en)."""
    column = "name_en" if lang == "en" else "name_zh"
    return dict(session.execute(text(f"SELECT code, {column} FROM departments")).all())
