"""To-do counts for a user's lists: what waits for acceptance (待验收), what is overdue, pressed (督办),
returned by a department (退单), waiting for an extension decision, or waiting for a street (unlinked)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.core import permissions
from geo_app.domain.workflow.loop import AWAITING_ACCEPTANCE_SQL
from geo_app.models import User
from geo_app.vocab import DISPATCH_ROLES, OPEN_STATUSES, WITH_DEPARTMENTS_STATUSES, WORKLIST_ROLES, sql_in

# a count stops here (shown as "1000+"): a badge says "a lot" as well, and an exact count of every open
# issue of a district on every page view grew with the table (15 ms per page at 200k issues, twice)
COUNT_MAX = 1000

# an extension request is pending while no decision follows it
PENDING_EXTENSION_SQL = """EXISTS (SELECT 1 FROM issue_events rq WHERE rq.issue_id = i.id
  AND rq.action = 'request_extension' AND NOT EXISTS (SELECT 1 FROM issue_events dc WHERE dc.issue_id = i.id
  AND dc.action = 'decide_extension' AND dc.id > rq.id))"""


def counts(session: Session, user: User, now: datetime | None = None) -> dict[str, int]:
    """Return the user's to-do counts over the issues in scope.

    Each count starts from what is rare (an escalation event, a returned dispatch, an open issue past its
    due date…) through an index, never from every issue in scope with subqueries per issue: at a million
    issues that took seconds per page."""
    scope, params = permissions.scope_sql(user)
    open_ = sql_in("i.status", OPEN_STATUSES)
    with_departments = sql_in("i.status", WITH_DEPARTMENTS_STATUSES)

    def count(where: str) -> str:
        return f"(SELECT count(*) FROM (SELECT 1 FROM issues i WHERE ({scope}) AND {where} LIMIT {COUNT_MAX}) q)"

    row = session.execute(
        text(f"""
        SELECT {count("i.status = 'reported'")} AS new,
               {count(f"{with_departments} AND {AWAITING_ACCEPTANCE_SQL}")} AS awaiting,
               {count("i.status = 'resolved'")} AS to_verify,
               {count(f"{open_} AND i.due_at < :now")} AS overdue,
               {count(f"{open_} AND i.id IN (SELECT e.issue_id FROM issue_events e WHERE e.action = 'escalate')")}
                   AS escalated,
               {count(f"{open_} AND i.id IN (SELECT d.issue_id FROM dispatches d WHERE d.returned_at IS NOT NULL)")}
                   AS returned,
               {
            count(
                f"{open_} AND i.id IN (SELECT e.issue_id FROM issue_events e "
                f"WHERE e.action = 'request_extension') AND {PENDING_EXTENSION_SQL}"
            )
        } AS extension_requests,
               {count(f"i.segment_id IS NULL AND {open_}")} AS unlinked"""),
        {**params, "now": now or datetime.now(UTC)},
    ).one()
    return {k: int(v) for k, v in row._asdict().items()}


def dispatches_waiting(session: Session, user: User) -> int:
    """Return how many dispatches wait for the user's department (every department for an admin)."""
    if user.role != "admin" and user.department_id is None:
        return 0
    dep = "TRUE" if user.role == "admin" else "d.department_id = :dep"
    return int(
        session.execute(
            text(
                f"SELECT count(*) FROM (SELECT 1 FROM dispatches d WHERE {dep} AND d.done_at IS NULL "
                f"AND d.returned_at IS NULL LIMIT {COUNT_MAX}) q"
            ),
            {"dep": user.department_id},
        ).scalar_one()
    )


def menu_counts(session: Session, user: User, full: dict[str, int] | None = None) -> dict[str, int]:
    """Return the counts the menu shows: new, awaiting acceptance and overdue issues; dispatches waiting
    (`full`: the user's counts when the page has them already)."""
    out: dict[str, int] = {}
    if user.role in WORKLIST_ROLES:
        full = full if full is not None else counts(session, user)
        out |= {k: full[k] for k in ("new", "awaiting", "overdue")}
    if user.role in DISPATCH_ROLES:
        out["dispatches"] = dispatches_waiting(session, user)
    return out


def as_dict(values: dict[str, int]) -> dict[str, Any]:
    """Return the counts that are not zero (for a compact display)."""
    return {k: v for k, v in values.items() if v}
