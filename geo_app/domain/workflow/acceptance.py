"""Acceptance (验收) and closing: a resolved issue is checked; a failed check sends it back to work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.errors import Forbidden, ValidationError
from geo_app.domain.workflow.follow_up import require_follow_up
from geo_app.domain.workflow.params import reason
from geo_app.domain.workflow.policy import HISTORY, WorkflowPolicy
from geo_app.models import Issue, User


def verify(session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Record the acceptance check; a failure needs a note and clears the resolution."""
    passed = params.get("passed")
    if not isinstance(passed, bool):
        raise ValidationError("passed: must be true or false", "passed")
    policy: WorkflowPolicy = params["_policy"]
    if policy.separate_verifier and actor is not None and resolver_id(session, issue.id) == actor.id:
        raise Forbidden(
            "acceptance check not done: you resolved this issue, so someone else must check it",
            "action",
            code="same_person",
            msgid="You resolved this issue, so someone else of the team must do the acceptance check.",
        )
    note = reason(params, "note", required=not passed)
    if not passed:
        issue.resolution = None
        issue.resolved_at = None
    return {"passed": passed, "note": note}


def resolver_id(session: Session, issue_id: int) -> int | None:
    """Return who resolved the issue last (the actor of its latest resolve event)."""
    return session.execute(
        text("SELECT actor_id FROM issue_events WHERE issue_id = :i AND action = 'resolve' ORDER BY id DESC LIMIT 1"),
        {"i": issue_id},
    ).scalar()


def close(session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Close a verified issue (after a 回访 where the deployment asks for one)."""
    policy: WorkflowPolicy = params["_policy"]
    if policy.follow_up_before_close:
        require_follow_up(session, issue)
    issue.closed_at = at
    return {}


def verify_and_close(
    session: Session, ref: str, actor: User, params: dict[str, Any], version: object, policy: WorkflowPolicy = HISTORY
) -> Issue:
    """Pass the acceptance check (验收) and close the issue in one step (two events)."""
    # imported here: the actions module imports this one for its handler table
    from geo_app.domain.workflow.actions import apply_action, apply_checked

    apply_checked(session, ref, "verify", actor, {**params, "passed": True}, version, policy)
    return apply_action(session, ref, "close", actor, {}, None, policy=policy)


HANDLERS = {"verify": verify, "close": close}
