"""书记在现场: a secretary or chief logs a visit to a place and the issues settled there (resolved on site)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from geo_app.domain.core.validation import clean_text, parse_datetime
from geo_app.domain.errors import ValidationError
from geo_app.domain.workflow import actions
from geo_app.models import SiteVisit, User, site_visit_issues

PLACE_MAX, NOTES_MAX, ISSUES_MAX = 200, 2000, 50


def _issue_list(value: object) -> list[dict[str, Any]]:
    """Return [{ref, version}] from a list of such objects (API) or of 'REF:VERSION' strings (forms)."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > ISSUES_MAX:
        raise ValidationError(f"issues: a list of at most {ISSUES_MAX} issues", "issues")
    out: list[dict[str, Any]] = []
    for item in value:
        if isinstance(item, str) and ":" in item:
            ref, _, version = item.partition(":")
            item = {"ref": ref, "version": version}
        if not isinstance(item, dict) or not isinstance(item.get("ref"), str):
            raise ValidationError("issues: each item needs a ref and its version", "issues")
        out.append({"ref": item["ref"], "version": item.get("version")})
    return out


def log_site_visit(session: Session, user: User, data: dict[str, Any], now: datetime | None = None) -> SiteVisit:
    """Store the visit and resolve each listed issue on site (accepting it first if still reported).

    All or nothing: any refused issue (scope, version, state) raises and the caller rolls back.
    """
    now = now or datetime.now(UTC)
    place = clean_text(data.get("place"), "place", PLACE_MAX, required=True)
    notes = clean_text(data.get("notes"), "notes", NOTES_MAX)
    visited_at = parse_datetime(data["visited_at"], "visited_at") if data.get("visited_at") else now
    if visited_at > now + timedelta(minutes=10):
        raise ValidationError("visited_at: cannot be in the future", "visited_at")
    issues = _issue_list(data.get("issues"))
    visit = SiteVisit(team_id=user.team_id, user_id=user.id, place=place, visited_at=visited_at, notes=notes)
    session.add(visit)
    session.flush()
    note = f"书记在现场 / on site: {place}"
    for item in issues:
        issue = session.execute(text("SELECT status FROM issues WHERE ref = :r"), {"r": item["ref"]}).first()
        version = item["version"]
        if issue is not None and issue.status == "reported":
            accepted = actions.apply_checked(session, item["ref"], "accept", user, {}, version)
            version = accepted.version
        resolved = actions.apply_checked(
            session, item["ref"], "resolve", user, {"resolution": "on_site", "note": note}, version
        )
        session.execute(insert(site_visit_issues).values(site_visit_id=visit.id, issue_id=resolved.id))
    session.flush()
    return visit


def recent_site_visits(session: Session, user: User, limit: int = 20) -> list[dict[str, Any]]:
    """Return the latest site visits of the user's team (every team for admins, none without a team)."""
    # a chief or secretary without a team sees nobody's visits (not everybody's)
    cond = "TRUE" if user.role == "admin" else "FALSE" if user.team_id is None else "sv.team_id = :team"
    return [
        dict(r)
        for r in session.execute(
            text(f"""
        SELECT sv.id, sv.place, sv.visited_at, sv.notes, u.display_name AS by_name, t.name AS team_name,
               coalesce((SELECT array_agg(i.ref ORDER BY i.ref) FROM site_visit_issues svi
                         JOIN issues i ON i.id = svi.issue_id WHERE svi.site_visit_id = sv.id), '{{}}') AS refs
        FROM site_visits sv JOIN users u ON u.id = sv.user_id LEFT JOIN teams t ON t.id = sv.team_id
        WHERE {cond} ORDER BY sv.visited_at DESC, sv.id DESC LIMIT :n"""),
            {"team": user.team_id, "n": limit},
        ).mappings()
    ]
