"""Who may do what to which issue: roles and team scope, decided here and checked on the server."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.models import Issue, User
from geo_app.vocab import READ_ALL_ROLES, TEAM_ROLES

TEAM_ACTIONS = {"accept", "reject", "merge", "dispatch", "start", "resolve", "verify", "close", "set_due"}
DEPARTMENT_ACTIONS = {"acknowledge", "arrive", "done"}


def team_covers_issue(session: Session, team_id: int | None, issue: Issue) -> bool:
    """Return True when `team_id` answers for the issue (its team, or a team covering its segment)."""
    if team_id is None:
        return False
    if issue.team_id == team_id:
        return True
    if issue.segment_id is None:
        return False
    return bool(
        session.execute(
            text("SELECT 1 FROM team_segments WHERE team_id = :t AND segment_id = :s"),
            {"t": team_id, "s": issue.segment_id},
        ).first()
    )


def department_dispatched(session: Session, department_id: int | None, issue: Issue) -> bool:
    """Return True when the department has (or had) a dispatch on the issue."""
    if department_id is None:
        return False
    return bool(
        session.execute(
            text("SELECT 1 FROM dispatches WHERE issue_id = :i AND department_id = :d"),
            {"i": issue.id, "d": department_id},
        ).first()
    )


def can_read_issue(session: Session, user: User | None, issue: Issue) -> bool:
    """Return True when the user may see the issue's staff view (with personal data)."""
    if user is None:
        return False
    if user.role in READ_ALL_ROLES:
        return True
    if user.role in TEAM_ROLES:
        return team_covers_issue(session, user.team_id, issue)
    if user.role == "staff":
        return department_dispatched(session, user.department_id, issue)
    return False


def can_act(session: Session, user: User | None, issue: Issue, action: str, params: dict[str, Any]) -> bool:
    """Return True when the user may perform `action` on the issue. `None` is the system (imports)."""
    if user is None or user.role == "admin":
        return True
    if action in TEAM_ACTIONS and user.role in TEAM_ROLES:
        return team_covers_issue(session, user.team_id, issue)
    if action == "merge" and user.role == "clerk":
        return issue.status == "reported"
    if action in DEPARTMENT_ACTIONS and user.role == "staff":
        # only on issues their department was summoned to; the exact dispatch is checked in workflow.whistle
        return department_dispatched(session, user.department_id, issue)
    return False


def scope_sql(user: User, alias: str = "i") -> tuple[str, dict[str, Any]]:
    """Return an SQL condition on issues (`alias`) limiting a list to what the user may read, and its params."""
    if user.role in READ_ALL_ROLES:
        return "TRUE", {}
    if user.role in TEAM_ROLES and user.team_id is not None:
        cond = (
            f"({alias}.team_id = :scope_team OR {alias}.segment_id IN "
            "(SELECT segment_id FROM team_segments WHERE team_id = :scope_team))"
        )
        return cond, {"scope_team": user.team_id}
    if user.role == "staff" and user.department_id is not None:
        cond = f"EXISTS (SELECT 1 FROM dispatches sd WHERE sd.issue_id = {alias}.id AND sd.department_id = :scope_dep)"
        return cond, {"scope_dep": user.department_id}
    return "FALSE", {}
