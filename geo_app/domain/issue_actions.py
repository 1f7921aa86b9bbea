"""Apply one action to one issue: check version, scope and state, change it, append the event."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden, IllegalTransition, NotFound, ValidationError
from ..models import Department, Dispatch, Issue, IssueEvent, User
from . import permissions, workflow
from .validation import clean_text, parse_datetime

log = logging.getLogger(__name__)
REASON_MAX = 1000


def load_for_update(session: Session, ref: str) -> Issue:
    """Return the issue with this ref, row-locked for the rest of the transaction."""
    issue = session.execute(select(Issue).where(Issue.ref == ref).with_for_update()
                            .execution_options(populate_existing=True)).scalar_one_or_none()
    if issue is None:
        raise NotFound(f"no issue {ref}", "ref")
    return issue


def apply_action(session: Session, ref: str, action: str, actor: User | None, params: dict,
                 expected_version: int | None, at: datetime | None = None) -> Issue:
    """Perform `action` on issue `ref` as `actor`; raise 409 on a stale version, 422 on an illegal move."""
    if action not in workflow.ACTIONS:
        raise ValidationError(f"unknown action {action!r}; one of {', '.join(workflow.ACTIONS)}", "action")
    issue = load_for_update(session, ref)
    if expected_version is not None and expected_version != issue.version:
        raise Conflict(f"issue {ref} changed (version {issue.version}, you sent {expected_version}); reload it",
                       "version", details={"current_version": issue.version})
    if not permissions.can_act(session, actor, issue, action, params):
        raise Forbidden(f"you may not {action} issue {ref}", "action")
    to_state = workflow.target_state(action, params, issue.status)
    if to_state is None:
        raise IllegalTransition(
            f"cannot {action} an issue that is {issue.status}", "action",
            details={"status": issue.status, "allowed": workflow.allowed_actions(issue.status)})
    at = at or datetime.now(timezone.utc)
    data = _HANDLERS[action](session, issue, actor, params, at)
    from_state = issue.status
    issue.status = to_state
    issue.version += 1
    issue.updated_at = max(issue.updated_at, at) if issue.updated_at else at   # never older than a state change
    session.add(IssueEvent(issue_id=issue.id, at=at, actor_id=actor.id if actor else None, action=action,
                           from_status=from_state, to_status=to_state, data=data))
    session.flush()
    return issue


def parse_version(value) -> int:
    """Return the client's `version` as an int; refuse a missing or wrong-typed one (field `version`)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError("version: the issue's current version (a positive integer) is required", "version")
    return value


def apply_checked(session: Session, ref: str, action, actor: User, params: dict, version) -> Issue:
    """Like apply_action for people: version required, and 403 when out of scope before anything else."""
    if not isinstance(action, str) or action not in workflow.ACTIONS:
        raise ValidationError(f"action: one of {', '.join(workflow.ACTIONS)}", "action")
    version = parse_version(version)
    for name in ("into", "department", "reason", "note", "due_at", "resolution"):
        if isinstance(params.get(name), str) and "\x00" in params[name]:
            raise ValidationError(f"{name}: NUL characters are not allowed", name)
    issue = session.execute(select(Issue).where(Issue.ref == ref)).scalar_one_or_none()
    if issue is None:
        raise NotFound(f"no issue {ref}", "ref")
    if not permissions.can_act(session, actor, issue, action, params):
        raise Forbidden(f"you may not {action} issue {ref}", "action")
    return apply_action(session, ref, action, actor, params, version)


def verify_and_close(session: Session, ref: str, actor: User, params: dict, version) -> Issue:
    """Pass the acceptance check (验收) and close the issue in one step (two events)."""
    apply_checked(session, ref, "verify", actor, {**params, "passed": True}, version)
    return apply_action(session, ref, "close", actor, {}, None)


def _reason(params: dict, field: str = "reason", required: bool = True) -> str | None:
    return clean_text(params.get(field), field, REASON_MAX, required=required)


def _accept(session, issue, actor, params, at):
    return {"note": _reason(params, "note", required=False)} if params.get("note") else {}


def _reject(session, issue, actor, params, at):
    issue.reject_reason = _reason(params)
    return {"reason": issue.reject_reason}


def _merge(session, issue, actor, params, at):
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


def _dispatch(session, issue, actor, params, at):
    codes = params.get("departments")
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise ValidationError("departments: a non-empty list of department codes is required", "departments")
    found = {d.code: d for d in session.execute(select(Department).where(Department.code.in_(codes))).scalars()}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationError(f"departments: unknown department {', '.join(unknown)}", "departments")
    reason = _reason(params, required=False)
    created = []
    for code in dict.fromkeys(codes):
        d = Dispatch(issue_id=issue.id, department_id=found[code].id, reason=reason,
                     created_by=actor.id if actor else None, created_at=at)
        session.add(d)
        created.append(d)
    session.flush()
    return {"departments": list(dict.fromkeys(codes)), "reason": reason, "dispatch_ids": [d.id for d in created]}


def _dispatch_step(column: str, before: str | None):
    def handler(session, issue, actor, params, at):
        dispatch = _find_dispatch(session, issue, actor, params)
        if getattr(dispatch, column) is not None:
            raise IllegalTransition(f"dispatch {dispatch.id} already has {column}", "dispatch_id",
                                    details={"status": issue.status})
        if before and getattr(dispatch, before) is None:
            raise IllegalTransition(f"dispatch {dispatch.id} needs {before} first", "dispatch_id",
                                    details={"status": issue.status})
        setattr(dispatch, column, at)
        return {"dispatch_id": dispatch.id, "department": params.get("department") or _dept_code(session, dispatch)}
    return handler


def _dept_code(session, dispatch: Dispatch) -> str:
    return session.get(Department, dispatch.department_id).code


def _find_dispatch(session, issue, actor, params) -> Dispatch:
    """Find the dispatch named by `dispatch_id`, or the open one of `department` (or the actor's)."""
    q = select(Dispatch).where(Dispatch.issue_id == issue.id).with_for_update()
    if params.get("dispatch_id") is not None:
        try:
            q = q.where(Dispatch.id == int(params["dispatch_id"]))
        except (TypeError, ValueError):
            raise ValidationError("dispatch_id: must be an integer", "dispatch_id") from None
    else:
        code = params.get("department") or None
        dep_id = (session.execute(select(Department.id).where(Department.code == code)).scalar()
                  if code else (actor.department_id if actor else None))
        if dep_id is None:
            raise ValidationError("dispatch_id: which dispatch? give dispatch_id or department", "dispatch_id")
        q = q.where(Dispatch.department_id == dep_id, Dispatch.done_at.is_(None)).order_by(Dispatch.id)
    dispatch = session.execute(q).scalars().first()
    if dispatch is None:
        raise NotFound("no such dispatch on this issue", "dispatch_id")
    if actor is not None and actor.role == "staff" and dispatch.department_id != actor.department_id:
        raise Forbidden("this dispatch belongs to another department", "dispatch_id")
    return dispatch


def _start(session, issue, actor, params, at):
    return {}


def _resolve(session, issue, actor, params, at):
    resolution = params.get("resolution")
    if resolution not in ("on_site", "team"):
        raise ValidationError("resolution: must be on_site or team", "resolution")
    issue.resolution = resolution
    issue.resolved_at = at
    return {"resolution": resolution, "note": _reason(params, "note", required=False)}


def _verify(session, issue, actor, params, at):
    passed = params.get("passed")
    if not isinstance(passed, bool):
        raise ValidationError("passed: must be true or false", "passed")
    note = _reason(params, "note", required=not passed)
    if not passed:
        issue.resolution = None
        issue.resolved_at = None
    return {"passed": passed, "note": note}


def _close(session, issue, actor, params, at):
    issue.closed_at = at
    return {}


def _set_due(session, issue, actor, params, at):
    due = parse_datetime(params.get("due_at"), "due_at")
    issue.due_at = due
    issue.acceptance_at = due
    return {"due_at": due.isoformat()}


_HANDLERS = {
    "accept": _accept, "reject": _reject, "merge": _merge, "dispatch": _dispatch, "start": _start,
    "resolve": _resolve, "verify": _verify, "close": _close, "set_due": _set_due,
    "acknowledge": _dispatch_step("acknowledged_at", None),
    "arrive": _dispatch_step("arrived_at", "acknowledged_at"),
    "done": _dispatch_step("done_at", "arrived_at"),
}
