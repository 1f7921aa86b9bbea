"""Who may do what to which issue: roles and team scope, decided here and checked on the server."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..models import Issue, User

TEAM_ACTIONS = {"accept", "reject", "merge", "dispatch", "start", "resolve", "verify", "close", "set_due"}
DEPARTMENT_ACTIONS = {"acknowledge", "arrive", "done"}
STAFF_ROLES = ("admin", "planner", "clerk", "chief", "secretary", "staff")


def team_covers_issue(session: Session, team_id: int | None, issue: Issue) -> bool:
    """Return True when `team_id` answers for the issue (its team, or a team covering its segment)."""
    if team_id is None:
        return False
    if issue.team_id == team_id:
        return True
    if issue.segment_id is None:
        return False
    return bool(session.execute(
        text("SELECT 1 FROM team_segments WHERE team_id = :t AND segment_id = :s"),
        {"t": team_id, "s": issue.segment_id}).first())


def can_read_issue(session: Session, user: User | None, issue: Issue) -> bool:
    """Return True when the user may see the issue's staff view (with personal data)."""
    if user is None:
        return False
    if user.role in ("admin", "planner", "clerk"):
        return True
    if user.role in ("chief", "secretary"):
        return team_covers_issue(session, user.team_id, issue)
    if user.role == "staff":
        return bool(session.execute(
            text("SELECT 1 FROM dispatches WHERE issue_id = :i AND department_id = :d"),
            {"i": issue.id, "d": user.department_id}).first())
    return False


def can_act(session: Session, user: User | None, issue: Issue, action: str, params: dict) -> bool:
    """Return True when the user may perform `action` on the issue. `None` is the system (imports)."""
    if user is None or user.role == "admin":
        return True
    if action in TEAM_ACTIONS and user.role in ("chief", "secretary"):
        return team_covers_issue(session, user.team_id, issue)
    if action == "merge" and user.role == "clerk":
        return issue.status == "reported"
    if action in DEPARTMENT_ACTIONS and user.role == "staff":
        return True  # narrowed to the user's own department's dispatch in issue_actions
    return False
