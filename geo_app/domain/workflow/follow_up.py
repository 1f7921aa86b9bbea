"""回访 and reopening: after resolution someone asks the resident; "not satisfied" sends the issue back to work,
and a closed issue can be reopened with a reason. Where the deployment says so, closing needs a 回访."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.errors import IllegalTransition, ValidationError
from geo_app.domain.workflow.params import reason
from geo_app.models import Issue, User
from geo_app.vocab import FOLLOW_UP_METHODS, SATISFACTION


def _back_to_work(issue: Issue) -> None:
    issue.resolution = None
    issue.resolved_at = None
    issue.closed_at = None


def follow_up(
    session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """Record the resident's satisfaction, how they were reached and a note; unsatisfied reopens the issue."""
    satisfaction = params.get("satisfaction")
    if satisfaction not in SATISFACTION:
        raise ValidationError(f"satisfaction: one of {', '.join(SATISFACTION)}", "satisfaction")
    method = params.get("method")
    if method not in FOLLOW_UP_METHODS:
        raise ValidationError(f"method: one of {', '.join(FOLLOW_UP_METHODS)}", "method")
    note = reason(params, "note", required=satisfaction == "unsatisfied")
    if satisfaction == "unsatisfied":
        _back_to_work(issue)
    return {"satisfaction": satisfaction, "method": method, "note": note}


def reopen(session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Reopen a closed issue with a reason: it goes back to work and must be resolved again."""
    why = reason(params)
    _back_to_work(issue)
    return {"reason": why}


def has_follow_up(session: Session, issue_id: int) -> bool:
    """Return True when a 回访 that did not reopen the issue follows its latest resolution."""
    return bool(
        session.execute(
            text("""SELECT 1 FROM issue_events f WHERE f.issue_id = :i AND f.action = 'follow_up'
                      AND f.data->>'satisfaction' <> 'unsatisfied'
                      AND f.id > coalesce((SELECT max(r.id) FROM issue_events r
                                           WHERE r.issue_id = :i AND r.action = 'resolve'), 0)"""),
            {"i": issue_id},
        ).first()
    )


def require_follow_up(session: Session, issue: Issue) -> None:
    """Refuse closing (422 `follow_up_required`) when no 回访 follows the latest resolution."""
    if not has_follow_up(session, issue.id):
        raise IllegalTransition(
            "close: a follow-up with the resident (回访) is needed before closing",
            "action",
            code="follow_up_required",
            details={"status": issue.status},
            msgid="Record the follow-up with the resident (回访) before closing.",
        )


HANDLERS = {"follow_up": follow_up, "reopen": reopen}
