"""The organisation's audit log: who changed which record, when, and what it was before and after."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.models import OrgAudit


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a signed-in user, or a command (`cli`, `demo`) with no user id."""

    id: int | None
    name: str


def action_of(before: dict[str, Any] | None, after: dict[str, Any]) -> str:
    """Name the change: create, retire, reactivate or update."""
    if before is None:
        return "create"
    if before.get("active") and not after.get("active"):
        return "retire"
    if not before.get("active") and after.get("active"):
        return "reactivate"
    return "update"


def record(
    session: Session, actor: Actor, kind: str, code: str, before: dict[str, Any] | None, after: dict[str, Any]
) -> OrgAudit:
    """Append one change to the log (never rewritten)."""
    entry = OrgAudit(
        actor_id=actor.id,
        actor=actor.name,
        kind=kind,
        code=code,
        action=action_of(before, after),
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry


def history(session: Session, kind: str | None = None, code: str | None = None, limit: int = 200) -> list[OrgAudit]:
    """Return the latest changes, newest first (of one kind, or one record, when given)."""
    query = select(OrgAudit).order_by(OrgAudit.id.desc()).limit(limit)
    if kind:
        query = query.where(OrgAudit.kind == kind)
    if code:
        query = query.where(OrgAudit.code == code)
    return list(session.execute(query).scalars())
