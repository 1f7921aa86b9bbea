"""The district's report, computed from issues, events, visits and fire-lane history — never stored.

Definitions (for a period [start, end] in local time and an optional area):
- visits: residents received at reception halls in the period (sum of each visit's people, 人次);
- issues_collected: issues reported in the period, less those merged as duplicates;
- solved_on_site / solved_by_team: of those, the ones whose state at the end of the period is resolved,
  verified or closed, by the resolution type of their latest resolution;
- open: of those, still reported/accepted/dispatched/in progress at the end of the period;
  overdue: open ones past their due date at the end of the period (or now, if that is earlier);
- fire_lanes_opened: lane status changes to clear from blocked or partly blocked within the period.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..errors import ValidationError
from .validation import period_bounds

HEADLINE = ("visits", "issues_collected", "solved_on_site", "solved_by_team", "open", "overdue",
            "fire_lanes_opened")


@dataclass(frozen=True)
class Area:
    """A report area: an administrative area by code, or a team by code."""

    kind: str   # "admin" or "team"
    code: str


def parse_area(value: str | None) -> Area | None:
    """Return the Area named by `CODE` (administrative area) or `team:CODE`, or None for everywhere."""
    if not value:
        return None
    if value.startswith("team:"):
        return Area("team", value[5:])
    return Area("admin", value)


def _area_filters(session: Session, area: Area | None) -> tuple[str, str, str, dict]:
    """Return SQL conditions on issues (i), halls (h) and fire lanes (f) for the area."""
    if area is None:
        return "TRUE", "TRUE", "TRUE", {}
    if area.kind == "admin":
        if not session.execute(text("SELECT 1 FROM admin_areas WHERE code = :a"), {"a": area.code}).first():
            raise ValidationError(f"area: unknown area {area.code[:40]!r}", "area")
        poly = "(SELECT geom FROM admin_areas WHERE code = :area)"
        return (f"ST_Covers({poly}, i.geom)", f"ST_Covers({poly}, h.geom)", f"ST_Intersects({poly}, f.geom)",
                {"area": area.code})
    team_id = session.execute(text("SELECT id FROM teams WHERE code = :a"), {"a": area.code}).scalar()
    if team_id is None:
        raise ValidationError(f"area: unknown team {area.code[:40]!r}", "area")
    community = "(SELECT a.geom FROM admin_areas a JOIN teams t ON t.community_id = a.id WHERE t.id = :team)"
    return ("i.team_id = :team", f"ST_Covers({community}, h.geom)", f"ST_Intersects({community}, f.geom)",
            {"team": team_id})


_ISSUE_FIGURES = """
WITH cohort AS (
    SELECT i.id, i.category, i.due_at FROM issues i
    WHERE i.reported_at >= :lo AND i.reported_at < :hi AND {issue_cond}
), at_end AS (
    SELECT c.id, c.category, c.due_at, s.to_status AS status, r.resolution
    FROM cohort c
    CROSS JOIN LATERAL (SELECT e.to_status FROM issue_events e
                        WHERE e.issue_id = c.id AND e.at < :hi AND e.to_status IS NOT NULL
                        ORDER BY e.at DESC, e.id DESC LIMIT 1) s
    LEFT JOIN LATERAL (SELECT e.data->>'resolution' AS resolution FROM issue_events e
                       WHERE e.issue_id = c.id AND e.action = 'resolve' AND e.at < :hi
                       ORDER BY e.at DESC, e.id DESC LIMIT 1) r ON TRUE
)
SELECT {group_select}
       count(*) FILTER (WHERE status <> 'duplicate') AS issues_collected,
       count(*) FILTER (WHERE status IN ('resolved', 'verified', 'closed') AND resolution = 'on_site')
           AS solved_on_site,
       count(*) FILTER (WHERE status IN ('resolved', 'verified', 'closed') AND resolution = 'team')
           AS solved_by_team,
       count(*) FILTER (WHERE status IN ('reported', 'accepted', 'dispatched', 'in_progress')) AS open,
       count(*) FILTER (WHERE status IN ('reported', 'accepted', 'dispatched', 'in_progress')
                        AND due_at < :asof) AS overdue,
       count(*) FILTER (WHERE status = 'rejected') AS rejected
FROM at_end {group_by}
"""


def figures(session: Session, start: date, end: date, area: Area | None = None,
            now: datetime | None = None) -> dict:
    """Return the report for the period and area: headline figures plus breakdown by category."""
    lo, hi = period_bounds(start, end)
    asof = min(hi, now or datetime.now(timezone.utc))
    issue_cond, hall_cond, lane_cond, area_params = _area_filters(session, area)
    params = {"lo": lo, "hi": hi, "asof": asof, **area_params}
    head = session.execute(text(_ISSUE_FIGURES.format(issue_cond=issue_cond, group_select="", group_by="")),
                           params).mappings().one()
    visits = session.execute(text(f"""
        SELECT coalesce(sum(v.people), 0) FROM visits v JOIN reception_halls h ON h.id = v.hall_id
        WHERE v.visited_at >= :lo AND v.visited_at < :hi AND {hall_cond}"""), params).scalar()
    opened = session.execute(text(f"""
        SELECT count(*) FROM fire_lane_status_events e JOIN fire_lanes f ON f.id = e.fire_lane_id
        WHERE e.to_status = 'clear' AND e.from_status IN ('blocked', 'partly_blocked')
          AND e.at >= :lo AND e.at < :hi AND {lane_cond}"""), params).scalar()
    by_category = session.execute(text(_ISSUE_FIGURES.format(
        issue_cond=issue_cond, group_select="category,", group_by="GROUP BY category ORDER BY category")),
        params).mappings().all()
    result = {"start": start.isoformat(), "end": end.isoformat(),
              "area": f"{area.kind}:{area.code}" if area else None,
              "visits": int(visits), **{k: int(v) for k, v in head.items()}, "fire_lanes_opened": int(opened),
              "by_category": [{k: (int(v) if k != "category" else v) for k, v in row.items()} for row in by_category]}
    return result
