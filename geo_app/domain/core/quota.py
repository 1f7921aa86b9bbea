"""Per-client quotas for anonymous submissions (the public report form), without a CAPTCHA service.

A client (its address) may file `limit` reports per `window`; more are refused (429 with Retry-After) until
the window it opened has passed. The counts live in the login throttle's table under their own key prefix
(`report:ADDR`), so that every server process sees the same numbers and no second table is kept: there
`failures` is the number of submissions in the window and `locked_until` the window's end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo_app.domain.errors import DomainError
from geo_app.models import LoginThrottle


class QuotaExceeded(DomainError):
    """Too many submissions from this client for now; `retry_after` seconds to wait."""

    http_status = 429
    code = "too_many_reports"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        msgid = "Too many reports from this connection: please try again in %(n)d minutes"
        super().__init__(msgid % {"n": minutes}, "description", msgid=msgid, params={"n": minutes})
        self.retry_after = retry_after


@dataclass(frozen=True)
class Quota:
    """`limit` submissions per `window` for one key prefix."""

    prefix: str
    limit: int
    window: timedelta

    def key(self, client: str | None) -> str:
        """Return the row key of `client` (an address; '-' when unknown)."""
        return f"{self.prefix}:{client or '-'}"[:200]

    def take(self, session: Session, client: str | None, now: datetime) -> None:
        """Count one submission of `client`, or raise QuotaExceeded (nothing counted) when its window is full.

        The row is locked until the caller's transaction ends, so that concurrent submissions of one client
        are counted one after the other."""
        key = self.key(client)
        row = session.get(LoginThrottle, key, with_for_update=True)
        if row is not None and now < row.locked_until and row.failures >= self.limit:
            raise QuotaExceeded(math.ceil((row.locked_until - now).total_seconds()))
        fresh = row is None or now >= row.locked_until
        values = {
            "failures": 1 if fresh or row is None else row.failures + 1,
            "last_failure": now,
            "locked_until": now + self.window if fresh or row is None else row.locked_until,
        }
        stmt = insert(LoginThrottle).values(key=key, **values)
        session.execute(stmt.on_conflict_do_update(index_elements=[LoginThrottle.key], set_=values))
