"""To-do counts for a user's lists: what waits for acceptance (待验收), what is overdue, pressed (督办),
returned by a department (退单), waiting for an extension decision, or waiting for a street (unlinked)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from geo_app.domain.core import permissions
from geo_app.domain.workflow.loop import AWAITING_ACCEPTANCE_SQL
from geo_app.models import User
from geo_app.vocab import DISPATCH_ROLES, OPEN_STATUSES, WORKLIST_ROLES

# an extension request is pending while no decision follows it
PENDING_EXTENSION_SQL = """EXISTS (SELECT 1 FROM issue_events rq WHERE rq.issue_id = i.id
  AND rq.action = 'request_extension' AND NOT EXISTS (SELECT 1 FROM issue_events dc WHERE dc.issue_id = i.id
  AND dc.action = 'decide_extension' AND dc.id > rq.id))"""


def counts(session: Session, user: User, now: datetime | None = None) -> dict[str, int]:
    """Return the user's to-do counts over the issues in scope."""
    scope, params = permissions.scope_sql(user)
    row = session.execute(
        text(f"""
        SELECT count(*) FILTER (WHERE i.status = 'reported') AS new,
               count(*) FILTER (WHERE {AWAITING_ACCEPTANCE_SQL}) AS awaiting,
               count(*) FILTER (WHERE i.status = 'resolved') AS to_verify,
               count(*) FILTER (WHERE i.status IN :open AND i.due_at < :now) AS overdue,
               count(*) FILTER (WHERE i.status IN :open AND EXISTS (SELECT 1 FROM issue_events e
                   WHERE e.issue_id = i.id AND e.action = 'escalate')) AS escalated,
               count(*) FILTER (WHERE i.status IN :open AND EXISTS (SELECT 1 FROM dispatches d
                   WHERE d.issue_id = i.id AND d.returned_at IS NOT NULL)) AS returned,
               count(*) FILTER (WHERE i.status IN :open AND {PENDING_EXTENSION_SQL}) AS extension_requests,
               count(*) FILTER (WHERE i.status IN :open AND i.segment_id IS NULL) AS unlinked
        FROM issues i WHERE {scope}""").bindparams(bindparam("open", expanding=True)),
        {**params, "open": list(OPEN_STATUSES), "now": now or datetime.now(UTC)},
    ).one()
    return {k: int(v) for k, v in row._asdict().items()}


def dispatches_waiting(session: Session, user: User) -> int:
    """Return how many dispatches wait for the user's department (every department for an admin)."""
    if user.role != "admin" and user.department_id is None:
        return 0
    dep = "TRUE" if user.role == "admin" else "d.department_id = :dep"
    return int(
        session.execute(
            text(f"SELECT count(*) FROM dispatches d WHERE {dep} AND d.done_at IS NULL AND d.returned_at IS NULL"),
            {"dep": user.department_id},
        ).scalar_one()
    )


def menu_counts(session: Session, user: User) -> dict[str, int]:
    """Return the counts the menu shows: new, awaiting acceptance and overdue issues; dispatches waiting."""
    out: dict[str, int] = {}
    if user.role in WORKLIST_ROLES:
        full = counts(session, user)
        out |= {k: full[k] for k in ("new", "awaiting", "overdue")}
    if user.role in DISPATCH_ROLES:
        out["dispatches"] = dispatches_waiting(session, user)
    return out


def as_dict(values: dict[str, int]) -> dict[str, Any]:
    """Return the counts that are not zero (for a compact display)."""
    return {k: v for k, v in values.items() if v}
