"""延期申请: a chief asks for a later due date with a reason; a secretary of the team approves or refuses.

Overdue cannot be erased by hand: a chief's set_due on an overdue issue is refused (see triage.set_due),
and the only way to a later date is a request that someone else decides, both kept as events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.core.validation import parse_datetime
from geo_app.domain.errors import Forbidden, IllegalTransition, ValidationError
from geo_app.domain.workflow.params import reason
from geo_app.domain.workflow.policy import WorkflowPolicy
from geo_app.models import Issue, User


def pending_request(session: Session, issue_id: int) -> dict[str, Any] | None:
    """Return the open extension request of the issue (event id, actor, data), or None."""
    row = session.execute(
        text("""SELECT rq.id, rq.actor_id, rq.data FROM issue_events rq
                WHERE rq.issue_id = :i AND rq.action = 'request_extension'
                  AND NOT EXISTS (SELECT 1 FROM issue_events dc WHERE dc.issue_id = rq.issue_id
                                  AND dc.action = 'decide_extension' AND dc.id > rq.id)
                ORDER BY rq.id DESC LIMIT 1"""),
        {"i": issue_id},
    ).first()
    return dict(row._mapping) if row else None


def request_extension(
    session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """Ask for a later due date (`due_at`) with a `reason`; one request at a time."""
    due = parse_datetime(params.get("due_at"), "due_at")
    why = reason(params)
    if due <= at or (issue.due_at is not None and due <= issue.due_at):
        raise ValidationError("due_at: the new date must be later than today and than the current due date", "due_at")
    if pending_request(session, issue.id):
        raise IllegalTransition(
            "an extension request is already waiting for a decision", "action", details={"status": issue.status}
        )
    return {
        "due_at": due.isoformat(),
        "reason": why,
        "previous_due_at": issue.due_at.isoformat() if issue.due_at else None,
    }


def decide_extension(
    session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """Approve (the due date moves) or refuse the waiting request; the requester cannot decide it."""
    policy: WorkflowPolicy = params["_policy"]
    approve = params.get("approve")
    if not isinstance(approve, bool):
        raise ValidationError("approve: must be true or false", "approve")
    note = reason(params, "note", required=not approve)
    pending = pending_request(session, issue.id)
    if pending is None:
        raise IllegalTransition("no extension request is waiting", "action", details={"status": issue.status})
    if policy.separate_verifier and actor is not None and pending["actor_id"] == actor.id:
        raise Forbidden("you asked for this extension: someone else decides it", "action", code="same_person")
    if approve:
        issue.due_at = parse_datetime(pending["data"]["due_at"], "due_at")
        issue.acceptance_at = issue.due_at
    return {"approve": approve, "due_at": pending["data"]["due_at"], "request_event": pending["id"], "note": note}


HANDLERS = {"request_extension": request_extension, "decide_extension": decide_extension}
