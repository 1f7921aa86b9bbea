"""Who may do what to which issue: roles and team scope, decided here and checked on the server."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.models import Issue, User
from geo_app.vocab import READ_ALL_ROLES, REVIEW_ROLES, TEAM_ROLES

TEAM_ACTIONS = {"accept", "reject", "merge", "dispatch", "start", "resolve", "verify", "close", "set_due", "publish"}
DEPARTMENT_ACTIONS = {"acknowledge", "arrive", "done"}
LOOP_ACTIONS = {"relocate", "escalate", "request_extension", "decide_extension", "follow_up", "reopen", "return"}


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


def unlinked(issue: Issue) -> bool:
    """Return True when the issue has no segment and no team: it waits in the review queue."""
    return issue.segment_id is None and issue.team_id is None


def can_read_issue(session: Session, user: User | None, issue: Issue) -> bool:
    """Return True when the user may see the issue's staff view (with personal data)."""
    if user is None:
        return False
    if user.role in READ_ALL_ROLES:
        return True
    if user.role in REVIEW_ROLES and unlinked(issue):
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
    if action in LOOP_ACTIONS:
        return _can_loop(session, user, issue, action)
    if action in TEAM_ACTIONS and user.role in TEAM_ROLES:
        return team_covers_issue(session, user.team_id, issue)
    if action == "merge" and user.role == "clerk":
        return issue.status == "reported"
    if action in DEPARTMENT_ACTIONS and user.role == "staff":
        # only on issues their department was summoned to; the exact dispatch is checked in workflow.whistle
        return department_dispatched(session, user.department_id, issue)
    return False


def _can_loop(session: Session, user: User, issue: Issue, action: str) -> bool:
    """The daily loop's actions (issue 15): relocate, 督办, extensions, 回访, reopen, 退单."""
    in_team = user.role in TEAM_ROLES and team_covers_issue(session, user.team_id, issue)
    if action == "relocate":
        return (
            in_team
            or (user.role in REVIEW_ROLES and unlinked(issue))
            or (user.role == "clerk" and issue.status == "reported")
        )
    if action == "escalate":
        return user.role == "planner" or (user.role == "secretary" and in_team)
    if action == "decide_extension":
        return user.role == "secretary" and in_team
    if action in ("request_extension", "follow_up", "reopen"):
        return in_team or (action == "follow_up" and user.role == "clerk")
    if action == "return":
        return user.role == "staff" and department_dispatched(session, user.department_id, issue)
    return False


def scope_sql(user: User, alias: str = "i") -> tuple[str, dict[str, Any]]:
    """Return an SQL condition on issues (`alias`) limiting a list to what the user may read, and its params."""
    if user.role in READ_ALL_ROLES:
        return "TRUE", {}
    if user.role in TEAM_ROLES and user.team_id is not None:
        unlinked = f" OR ({alias}.segment_id IS NULL AND {alias}.team_id IS NULL)" if user.role in REVIEW_ROLES else ""
        cond = (
            f"({alias}.team_id = :scope_team OR {alias}.segment_id IN "
            f"(SELECT segment_id FROM team_segments WHERE team_id = :scope_team){unlinked})"
        )
        return cond, {"scope_team": user.team_id}
    if user.role == "staff" and user.department_id is not None:
        cond = f"EXISTS (SELECT 1 FROM dispatches sd WHERE sd.issue_id = {alias}.id AND sd.department_id = :scope_dep)"
        return cond, {"scope_dep": user.department_id}
    return "FALSE", {}
