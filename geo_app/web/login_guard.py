"""Password checks at the edge: throttled per account, address and known device, and never more than a
few at once, so that a flood of wrong passwords neither guesses its way in nor slows other users.

Each check is a scrypt hash (tens of milliseconds of CPU). Attempts over the throttle are refused before
any hashing; the ones let through wait for one of LOGIN_HASH_SLOTS per process, and are answered 503
with Retry-After when none frees up within a moment, instead of queueing behind the flood.
"""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from geo_app.domain.core import throttle
from geo_app.domain.core.accounts import USERNAME, authenticate
from geo_app.domain.errors import DomainError
from geo_app.extensions import db, db_session
from geo_app.models import User

DEVICE_COOKIE = "device"
DEVICE_MAX_AGE = 180 * 24 * 3600
_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


class Busy(DomainError):
    """Too many password checks in progress: come back in a second."""

    http_status = 503
    code = "busy"
    retry_after = 1


def _semaphore() -> threading.BoundedSemaphore:
    size = int(current_app.config.get("LOGIN_HASH_SLOTS", 1))
    with _slots_lock:
        return _slots.setdefault(size, threading.BoundedSemaphore(size))


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def _device_of(username: str) -> str | None:
    """Return the nonce of the request's device cookie when it vouches for `username`."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return None
    try:
        data = _devices().loads(cookie, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return None
    if isinstance(data, dict) and data.get("u") == username and isinstance(data.get("n"), str):
        return str(data["n"])
    return None


def attempt(username: str, password: str) -> User | None:
    """Return the user when the password is right, None when wrong; raise 429 (throttled) or 503 (busy)."""
    # a name that cannot exist (NUL bytes, 5,000 characters) is counted under one key, never stored as is
    account = username if USERNAME.match(username) else "(invalid)"
    keys = throttle.Keys.of(account, request.remote_addr, _device_of(account))
    now = datetime.now(UTC)
    throttle.check(db_session(), keys, now)
    slot = _semaphore()
    if not slot.acquire(timeout=2):
        raise Busy("the server is checking many passwords: retry in a second")
    try:
        user = authenticate(db_session(), username, password)
    finally:
        slot.release()
    if user is None:
        throttle.record_failure(db_session(), keys, now)
    else:
        throttle.record_success(db_session(), keys)
    db.session.commit()  # the count must outlive the refusal (error handlers roll back)
    return user


def remember_device(response: Response, user: User) -> Response:
    """Give the browser a device cookie for `user`: its later logins are throttled on their own."""
    value = _devices().dumps({"u": user.username, "n": secrets.token_urlsafe(16)})
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
        path="/login",
    )
    return response
