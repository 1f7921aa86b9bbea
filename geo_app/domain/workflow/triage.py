"""Triage and work on an issue in its team: accept, reject, merge into another, start, resolve, set the
acceptance date."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.domain.core.validation import parse_datetime
from geo_app.domain.errors import Forbidden, ValidationError
from geo_app.domain.workflow.params import reason
from geo_app.domain.workflow.policy import WorkflowPolicy
from geo_app.models import Issue, User
from geo_app.vocab import RESOLUTIONS


def accept(session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Accept a reported issue into the team's work, with an optional note."""
    return {"note": reason(params, "note", required=False)} if params.get("note") else {}


def reject(session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Reject an issue; the reason is required and kept on the issue."""
    issue.reject_reason = reason(params)
    return {"reason": issue.reject_reason}


def merge(session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Merge the issue into the one named by `into` (it becomes a duplicate)."""
    into = params.get("into")
    if not isinstance(into, str) or not into:
        raise ValidationError("into: the reference of the issue to merge into is required", "into")
    target = session.execute(select(Issue).where(Issue.ref == into)).scalar_one_or_none()
    if target is None:
        raise ValidationError(f"into: no issue {into}", "into")
    if target.id == issue.id or target.status in ("duplicate", "rejected"):
        raise ValidationError(f"into: cannot merge into {into} ({target.status})", "into")
    issue.duplicate_of_id = target.id
    return {"into": into}


def start(session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Start work on the issue."""
    return {}


def resolve(session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Resolve the issue on site or through the team's departments (`resolution`)."""
    resolution = params.get("resolution")
    if resolution not in RESOLUTIONS:
        raise ValidationError(f"resolution: must be {' or '.join(RESOLUTIONS)}", "resolution")
    issue.resolution = resolution
    issue.resolved_at = at
    return {"resolution": resolution, "note": reason(params, "note", required=False)}


def set_due(session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Set the due and acceptance date (定好验收时间)."""
    due = parse_datetime(params.get("due_at"), "due_at")
    if issue.reported_at is not None and due < issue.reported_at:
        raise ValidationError("due_at: must not be before the issue was reported", "due_at")
    policy: WorkflowPolicy = params["_policy"]
    overdue = issue.due_at is not None and issue.due_at < at
    if policy.extension_needs_approval and overdue and actor is not None and actor.role == "chief":
        raise Forbidden(
            "due_at: the issue is overdue; request an extension (延期申请) for a secretary to decide",
            "due_at",
            code="extension_required",
            msgid="The issue is overdue: a new date needs an extension request (延期申请) that a secretary decides.",
        )
    issue.due_at = due
    issue.acceptance_at = due
    return {"due_at": due.isoformat()}


HANDLERS = {"accept": accept, "reject": reject, "merge": merge, "start": start, "resolve": resolve, "set_due": set_due}
