"""Login throttling: failed logins per key (an account, a client address, a known device) earn an
exponentially growing wait, capped, and forgotten after a quiet hour.

The wait is a refusal (429 with Retry-After), never a sleep, so a flood of attempts holds no worker.
A browser that has logged in before carries a device cookie and is throttled on that device only
(OWASP's "device cookies"): an attacker hammering an account from elsewhere cannot lock its owner out.
Rows live in the database so that every server process sees the same counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo_app.domain.errors import DomainError
from geo_app.models import LoginThrottle

FREE_FAILURES = 5  # a person mistyping is never slowed down
MAX_WAIT_S = 15 * 60  # the longest wait, however many failures
FORGET_AFTER = timedelta(hours=1)  # failures older than this (no newer ones) no longer count


class TooManyAttempts(DomainError):
    """Login refused for now; `retry_after` seconds to wait."""

    http_status = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins: try again in {retry_after} s", "password")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Keys:
    """The throttle keys of one login attempt."""

    keys: tuple[str, ...]

    @classmethod
    def of(cls, username: str, address: str | None, device: str | None) -> Keys:
        """Keys of an attempt: the device alone when the client is known, else the account and the address."""
        if device:
            return cls((f"device:{device}"[:200],))
        return cls((f"user:{username.lower()}"[:200], f"addr:{address or '-'}"[:200]))


def wait_for(failures: int) -> int:
    """Return the seconds to wait after `failures` failed logins in a row (0 while they are few)."""
    if failures < FREE_FAILURES:
        return 0
    wait: int = min(MAX_WAIT_S, 2 ** (failures - FREE_FAILURES + 1))
    return wait


def check(session: Session, keys: Keys, now: datetime) -> None:
    """Raise TooManyAttempts when any key is still waiting."""
    rows = session.execute(select(LoginThrottle).where(LoginThrottle.key.in_(keys.keys))).scalars()
    waits = [(row.locked_until - now).total_seconds() for row in rows if now - row.last_failure < FORGET_AFTER]
    longest = max(waits, default=0.0)
    if longest > 0:
        raise TooManyAttempts(math.ceil(longest))


def record_failure(session: Session, keys: Keys, now: datetime) -> None:
    """Count one more failure on every key (starting afresh after a quiet FORGET_AFTER)."""
    for key in keys.keys:
        row = session.get(LoginThrottle, key, with_for_update=True)
        failures = 1 if row is None or now - row.last_failure >= FORGET_AFTER else row.failures + 1
        values = {
            "failures": failures,
            "last_failure": now,
            "locked_until": now + timedelta(seconds=wait_for(failures)),
        }
        stmt = insert(LoginThrottle).values(key=key, **values)
        session.execute(stmt.on_conflict_do_update(index_elements=[LoginThrottle.key], set_=values))


def record_success(session: Session, keys: Keys) -> None:
    """Forget the failures of the keys that a successful login vouches for (its account or device)."""
    session.execute(
        delete(LoginThrottle).where(LoginThrottle.key.in_([k for k in keys.keys if not k.startswith("addr:")]))
    )
