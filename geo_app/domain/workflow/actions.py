"""Apply one action to one issue: check version, scope and state, run the action's handler, append the event.

The handlers live with their part of the work: triage (accept … set_due), the whistle (dispatch and the
departments' steps) and acceptance (verify, close)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.domain.core import permissions
from geo_app.domain.core.validation import parse_int
from geo_app.domain.errors import Conflict, Forbidden, IllegalTransition, NotFound, ValidationError
from geo_app.domain.workflow import (
    acceptance,
    escalation,
    extension,
    follow_up,
    loop,
    publish,
    relocate,
    states,
    triage,
    whistle,
)
from geo_app.domain.workflow.policy import HISTORY, WorkflowPolicy
from geo_app.models import Issue, IssueEvent, User

log = logging.getLogger(__name__)
HANDLERS: dict[str, whistle.Handler] = {
    **triage.HANDLERS,
    **whistle.HANDLERS,
    **acceptance.HANDLERS,
    **relocate.HANDLERS,
    **loop.HANDLERS,
    **escalation.HANDLERS,
    **extension.HANDLERS,
    **follow_up.HANDLERS,
    **publish.HANDLERS,
}


def load_for_update(session: Session, ref: str) -> Issue:
    """Return the issue with this ref, row-locked for the rest of the transaction."""
    issue = session.execute(
        select(Issue).where(Issue.ref == ref).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if issue is None:
        raise NotFound(f"no issue {ref}", "ref")
    return issue


def apply_action(
    session: Session,
    ref: str,
    action: str,
    actor: User | None,
    params: dict[str, Any],
    expected_version: int | None,
    at: datetime | None = None,
    policy: WorkflowPolicy = HISTORY,
) -> Issue:
    """Perform `action` on issue `ref` as `actor`; raise 409 on a stale version, 422 on an illegal move.

    `policy` holds the deployment's switchable rules; the default (HISTORY) enforces none of them, for
    replays and imports of what already happened. People's requests come through apply_checked."""
    if action not in states.ACTIONS:
        raise ValidationError(f"unknown action {action!r}; one of {', '.join(states.ACTIONS)}", "action")
    issue = load_for_update(session, ref)
    if expected_version is not None and expected_version != issue.version:
        raise Conflict(
            f"issue {ref} changed (version {issue.version}, you sent {expected_version}); reload it",
            "version",
            details={"current_version": issue.version},
        )
    if not permissions.can_act(session, actor, issue, action, params):
        raise Forbidden(f"you may not {action} issue {ref}", "action")
    to_state = states.target_state(action, params, issue.status)
    if to_state is None:
        raise IllegalTransition(
            f"cannot {action} an issue that is {issue.status}",
            "action",
            details={"status": issue.status, "allowed": states.allowed_actions(issue.status)},
        )
    at = at or datetime.now(UTC)
    # the policy travels with the parameters; a client's own underscore keys never reach a handler
    params = {k: v for k, v in params.items() if not k.startswith("_")} | {"_policy": policy}
    data = HANDLERS[action](session, issue, actor, params, at)
    from_state = issue.status
    issue.status = to_state
    issue.version += 1
    issue.updated_at = max(issue.updated_at, at) if issue.updated_at else at  # never older than a state change
    session.add(
        IssueEvent(
            issue_id=issue.id,
            at=at,
            actor_id=actor.id if actor else None,
            action=action,
            from_status=from_state,
            to_status=to_state,
            data=data,
        )
    )
    session.flush()
    return issue


def parse_version(value: object) -> int:
    """Return the client's `version` as an int; refuse a missing or wrong-typed one (field `version`)."""
    if value is None or value == "":
        raise ValidationError("version: the issue's current version (a positive integer) is required", "version")
    return parse_int(value, "version", 1, 2**31 - 1)


def apply_checked(
    session: Session,
    ref: str,
    action: object,
    actor: User,
    params: dict[str, Any],
    version: object,
    policy: WorkflowPolicy = HISTORY,
) -> Issue:
    """Like apply_action for people: version required, and 403 when out of scope before anything else."""
    if not isinstance(action, str) or action not in states.ACTIONS:
        raise ValidationError(f"action: one of {', '.join(states.ACTIONS)}", "action")
    version = parse_version(version)
    for name in ("into", "department", "reason", "note", "due_at", "resolution"):
        if isinstance(params.get(name), str) and "\x00" in params[name]:
            raise ValidationError(f"{name}: NUL characters are not allowed", name)
    issue = session.execute(select(Issue).where(Issue.ref == ref)).scalar_one_or_none()
    if issue is None:
        raise NotFound(f"no issue {ref}", "ref")
    if not permissions.can_act(session, actor, issue, action, params):
        raise Forbidden(f"you may not {action} issue {ref}", "action")
    return apply_action(session, ref, action, actor, params, version, policy=policy)
