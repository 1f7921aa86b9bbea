"""督办: a secretary or planner presses a team on an issue; recorded as an event, counted in the lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.workflow.params import reason
from geo_app.models import Issue, User


def escalate(
    session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """Record who pressed whom (the issue's team and its chief), with the note and the days overdue."""
    note = reason(params, "note")
    whom = session.execute(
        text("""SELECT t.code AS team,
                       (SELECT u.username FROM users u WHERE u.team_id = t.id AND u.role = 'chief' AND u.active
                        ORDER BY u.id LIMIT 1) AS chief
                FROM teams t WHERE t.id = :t"""),
        {"t": issue.team_id},
    ).first()
    days = (at - issue.due_at).days if issue.due_at and issue.due_at < at else 0
    return {
        "note": note,
        "team": whom.team if whom else None,
        "chief": whom.chief if whom else None,
        "days_overdue": days,
    }


HANDLERS = {"escalate": escalate}
