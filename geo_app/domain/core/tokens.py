"""Bearer tokens given out: recorded (never the token), listed while live, revoked one by one or per user.

A token carries its row id; it works while the row is neither revoked nor expired and the user's auth epoch
is the one it was issued under (`revoke_user` bumps the epoch, so login sessions end as well)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from geo_app.domain.core.accounts import revoke_sessions
from geo_app.domain.errors import NotFound
from geo_app.models import BearerToken, User


def record(session: Session, user: User, now: datetime, max_age_s: int) -> int:
    """Record a token given to `user` now; return its id (to be put in the token)."""
    row = BearerToken(user_id=user.id, issued_at=now, expires_at=now + timedelta(seconds=max_age_s))
    session.add(row)
    session.flush()
    return row.id


def live_user(session: Session, user_id: int, token_id: object, now: datetime) -> User | None:
    """Return the user of token `token_id` when the token is neither revoked nor expired (one query, the
    API's every request)."""
    if isinstance(token_id, bool) or not isinstance(token_id, int) or not 0 < token_id < 2**63:
        return None
    found = session.execute(
        select(User)
        .join(BearerToken, BearerToken.user_id == User.id)
        .where(
            User.id == user_id,
            BearerToken.id == token_id,
            BearerToken.revoked_at.is_(None),
            BearerToken.expires_at > now,
        )
    ).scalar_one_or_none()
    return found


def live_tokens(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Return the live tokens (id, user, role, issued and expiry times), grouped by user, newest first."""
    rows = session.execute(
        text("""
        SELECT t.id, t.issued_at, t.expires_at, u.username, u.display_name, u.role
        FROM bearer_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.revoked_at IS NULL AND t.expires_at > :now AND u.active
        ORDER BY u.username, t.issued_at DESC LIMIT 1000"""),
        {"now": now},
    ).mappings()
    return [dict(r) for r in rows]


def revoke(session: Session, token_id: int, now: datetime) -> BearerToken:
    """Revoke one token; NotFound when there is no such live token."""
    row = session.get(BearerToken, token_id)
    if row is None or row.revoked_at is not None:
        raise NotFound("token_id: no such live token", "token_id")
    row.revoked_at = now
    return row


def revoke_user(session: Session, user: User, now: datetime) -> int:
    """End every token and login session of `user`; return how many live tokens were revoked."""
    revoke_sessions(user)
    result = session.execute(
        update(BearerToken)
        .where(BearerToken.user_id == user.id, BearerToken.revoked_at.is_(None), BearerToken.expires_at > now)
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
