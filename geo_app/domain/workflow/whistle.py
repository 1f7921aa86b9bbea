"""The whistle (街长吹哨、部门报到): a chief summons departments to an issue in one action, and each
department's dispatch goes acknowledged (报到), arrived and done."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.domain.core.validation import parse_int
from geo_app.domain.errors import Forbidden, IllegalTransition, NotFound, ValidationError
from geo_app.domain.workflow.params import reason
from geo_app.models import Department, Dispatch, Issue, User

Handler = Callable[[Session, Issue, "User | None", dict[str, Any], datetime], dict[str, Any]]


def dispatch(
    session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """Blow the whistle: one dispatch per department named in `departments`; return the event's data."""
    codes = params.get("departments")
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise ValidationError("departments: a non-empty list of department codes is required", "departments")
    found = {d.code: d for d in session.execute(select(Department).where(Department.code.in_(codes))).scalars()}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationError(f"departments: unknown department {', '.join(unknown)}", "departments")
    retired = [c for c in codes if not found[c].active]
    if retired:  # kept for the dispatches of the past, summoned by no new whistle
        raise ValidationError(f"departments: retired department {', '.join(retired)}", "departments")
    why = reason(params, required=False)
    created = []
    for code in dict.fromkeys(codes):
        d = Dispatch(
            issue_id=issue.id,
            department_id=found[code].id,
            reason=why,
            created_by=actor.id if actor else None,
            created_at=at,
        )
        session.add(d)
        created.append(d)
    session.flush()
    return {"departments": list(dict.fromkeys(codes)), "reason": why, "dispatch_ids": [d.id for d in created]}


def dispatch_step(column: str, before: str | None) -> Handler:
    """Return the handler that stamps `column` on one dispatch (报到, arrived, done), `before` first."""

    def handler(
        session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime
    ) -> dict[str, Any]:
        found = find_dispatch(session, issue, actor, params)
        if getattr(found, column) is not None:
            raise IllegalTransition(
                f"dispatch {found.id} already has {column}", "dispatch_id", details={"status": issue.status}
            )
        if before and getattr(found, before) is None:
            raise IllegalTransition(
                f"dispatch {found.id} needs {before} first", "dispatch_id", details={"status": issue.status}
            )
        if found.returned_at is not None:
            raise IllegalTransition(
                f"dispatch {found.id} was returned", "dispatch_id", details={"status": issue.status}
            )
        setattr(found, column, at)
        return {"dispatch_id": found.id, "department": params.get("department") or dept_code(session, found)}

    return handler


def dept_code(session: Session, found: Dispatch) -> str:
    department = session.get(Department, found.department_id)
    return department.code if department else ""


def find_dispatch(session: Session, issue: Issue, actor: User | None, params: dict[str, Any]) -> Dispatch:
    """Find the dispatch named by `dispatch_id`, or the open one of `department` (or the actor's)."""
    q = select(Dispatch).where(Dispatch.issue_id == issue.id).with_for_update()
    if params.get("dispatch_id") is not None:
        q = q.where(Dispatch.id == parse_int(params["dispatch_id"], "dispatch_id", 1, 2**31 - 1))
    else:
        code = params.get("department") or None
        dep_id = (
            session.execute(select(Department.id).where(Department.code == code)).scalar()
            if code
            else (actor.department_id if actor else None)
        )
        if dep_id is None:
            raise ValidationError("dispatch_id: which dispatch? give dispatch_id or department", "dispatch_id")
        q = q.where(
            Dispatch.department_id == dep_id, Dispatch.done_at.is_(None), Dispatch.returned_at.is_(None)
        ).order_by(Dispatch.id)
    found = session.execute(q).scalars().first()
    if found is None:
        raise NotFound("no such dispatch on this issue", "dispatch_id")
    if actor is not None and actor.role == "staff" and found.department_id != actor.department_id:
        raise Forbidden("this dispatch belongs to another department", "dispatch_id")
    return found


HANDLERS: dict[str, Handler] = {
    "dispatch": dispatch,
    "acknowledge": dispatch_step("acknowledged_at", None),
    "arrive": dispatch_step("arrived_at", "acknowledged_at"),
}  # done and return (退单): workflow.loop
