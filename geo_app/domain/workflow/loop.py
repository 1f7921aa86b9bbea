"""The department loop closed: a dispatch is done with a result note, or returned (退单) with a reason; when
every dispatch still standing is done, the issue waits for the team's acceptance (待验收)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.errors import IllegalTransition
from geo_app.domain.workflow import whistle
from geo_app.domain.workflow.params import reason
from geo_app.domain.workflow.policy import WorkflowPolicy
from geo_app.models import Issue, User
from geo_app.vocab import WITH_DEPARTMENTS_STATUSES, sql_in

# SQL condition on issues `i`: summoned departments, every dispatch not returned is done, and nobody has
# resolved the issue since (a failed acceptance check leaves the old dispatches done, but it is back at work)
AWAITING_ACCEPTANCE_SQL = f"""({sql_in("i.status", WITH_DEPARTMENTS_STATUSES)}
  AND EXISTS (SELECT 1 FROM dispatches ad WHERE ad.issue_id = i.id AND ad.returned_at IS NULL)
  AND NOT EXISTS (SELECT 1 FROM dispatches ad WHERE ad.issue_id = i.id AND ad.returned_at IS NULL
                  AND ad.done_at IS NULL)
  AND NOT EXISTS (SELECT 1 FROM issue_events ae WHERE ae.issue_id = i.id AND ae.action = 'resolve'
                  AND ae.at >= (SELECT max(ad.done_at) FROM dispatches ad WHERE ad.issue_id = i.id)))"""


def all_done(session: Session, issue_id: int) -> bool:
    """Return True when the issue has dispatches standing and every one of them is done."""
    return bool(
        session.execute(
            text(f"SELECT {AWAITING_ACCEPTANCE_SQL} FROM issues i WHERE i.id = :i"), {"i": issue_id}
        ).scalar()
    )


_stamp_done = whistle.dispatch_step("done_at", "arrived_at")


def done(session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Mark one dispatch done with its result note (required of people; history may have none)."""
    policy: WorkflowPolicy = params["_policy"]
    note = reason(params, "note", required=policy.done_needs_note)
    data = _stamp_done(session, issue, actor, params, at)
    found = whistle.find_dispatch(session, issue, actor, {"dispatch_id": data["dispatch_id"]})
    found.result_note = note
    session.flush()
    data.update(note=note, all_done=all_done(session, issue.id))
    return data


def return_dispatch(
    session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """退单: the department sends a dispatch back with a reason; the chief sees it on the issue and in the list."""
    why = reason(params)
    found = whistle.find_dispatch(session, issue, actor, params)
    if found.done_at is not None or found.returned_at is not None:
        raise IllegalTransition(
            f"dispatch {found.id} is already finished", "dispatch_id", details={"status": issue.status}
        )
    found.returned_at = at
    found.return_reason = why
    session.flush()
    return {"dispatch_id": found.id, "department": whistle.dept_code(session, found), "reason": why}


HANDLERS = {"done": done, "return": return_dispatch}
