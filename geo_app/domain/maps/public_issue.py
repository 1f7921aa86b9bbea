"""One issue as a resident may see it (/p/<ref>): category, status, street, public steps and published photos.

Never names, phones, e-mail, the description or notes (free text not marked public), actors, or the point."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.errors import NotFound
from geo_app.domain.workflow.photos import photos_of

# the steps a resident is told about, and nothing of their data (no notes, no people)
PUBLIC_STEPS = ("report", "accept", "dispatch", "start", "resolve", "verify", "close", "reopen", "reject", "merge")
REF_MAX = 40


def public_issue(session: Session, ref: str) -> dict[str, Any]:
    """Return the public facts of issue `ref`; 404 when unknown."""
    if not ref or len(ref) > REF_MAX:
        raise NotFound("no such issue", "ref")
    row = session.execute(
        text("""
        SELECT i.id, i.ref, i.category, c.name_zh AS category_zh, c.name_en AS category_en, i.status, i.resolution,
               i.reported_at, i.resolved_at, i.closed_at, s.street_name
        FROM issues i JOIN categories c ON c.code = i.category LEFT JOIN street_segments s ON s.id = i.segment_id
        WHERE i.ref = :r"""),
        {"r": ref},
    ).first()
    if row is None:
        raise NotFound("no such issue", "ref")
    facts = dict(row._mapping)
    issue_id = facts.pop("id")
    steps = session.execute(
        text("""SELECT e.at, e.action, e.to_status FROM issue_events e
                WHERE e.issue_id = :i AND e.action = ANY(:steps) ORDER BY e.at, e.id"""),
        {"i": issue_id, "steps": list(PUBLIC_STEPS)},
    ).mappings()
    facts["steps"] = [dict(s) for s in steps]
    facts["photos"] = [
        {"url": p["url"], "thumb_url": p["thumb_url"]}
        for p in photos_of(session, issue_id)
        if p["public"] and p["stage"] == "after"
    ]
    return facts
