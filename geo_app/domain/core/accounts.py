"""User accounts: creation with hashed passwords, and password checks that leak nothing."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from geo_app.domain.errors import Conflict, NotFound, ValidationError
from geo_app.models import ApiKey, Department, ReceptionHall, Team, User
from geo_app.vocab import ROLES

USERNAME = re.compile(r"^[a-z0-9_.-]{2,60}$")
# A fixed hash so that checking an unknown user costs as much as checking a known one.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    department: str | None = None,
    team: str | None = None,
    hall: str | None = None,
) -> User:
    """Create a user; department, team and hall are given by code."""
    if not isinstance(username, str) or not USERNAME.match(username):
        raise ValidationError("username: 2-60 lower-case letters, digits, _ . -", "username")
    if not isinstance(password, str) or len(password) < 8:
        raise ValidationError("password: at least 8 characters", "password")
    if role not in ROLES:
        raise ValidationError(f"role: one of {', '.join(ROLES)}", "role")
    if session.execute(select(User.id).where(User.username == username)).first():
        raise Conflict(f"username: {username} exists already", "username")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        password_hash=generate_password_hash(password),
    )
    user.department_id = _id_by_code(session, Department, department, "department")
    user.team_id = _id_by_code(session, Team, team, "team")
    user.hall_id = _id_by_code(session, ReceptionHall, hall, "hall")
    if role == "staff" and user.department_id is None:
        raise ValidationError("department: staff users belong to a department", "department")
    session.add(user)
    session.flush()
    return user


def _id_by_code(
    session: Session, model: type[Department] | type[Team] | type[ReceptionHall], code: str | None, field: str
) -> int | None:
    if not code:
        return None
    found = session.execute(select(model.id).where(model.code == code)).scalar()
    if found is None:
        raise ValidationError(f"{field}: unknown {field} {code!r}", field)
    return found


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with this username and password, or None (same cost either way)."""
    if not isinstance(username, str) or not USERNAME.match(username):
        user = None  # cannot exist; also keeps NUL bytes and the like away from the database
    else:
        user = session.execute(select(User).where(User.username == username, User.active.is_(True))).scalar()
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


def revoke_sessions(user: User) -> None:
    """End every login session and bearer token of `user` (the caller commits)."""
    user.auth_epoch = (user.auth_epoch or 0) + 1


def user_by_name(session: Session, username: str) -> User:
    """Return the user called `username`; NotFound otherwise."""
    user = session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        raise NotFound(f"username: no user {username!r}", "username")
    return user


def key_digest(key: str) -> str:
    """Return the stored form of an Open311 api_key."""
    return hashlib.sha256(key.encode()).hexdigest()


def add_api_key(session: Session, label: str, key: str) -> ApiKey:
    """Store an Open311 api_key (only its digest) under a label."""
    api_key = ApiKey(label=label, key_sha256=key_digest(key))
    session.add(api_key)
    session.flush()
    return api_key


PASSWORD_MIN, PASSWORD_MAX = 10, 200


def check_new_password(user: User, new: object, confirm: object) -> str:
    """Return the new password when it may be used (length, not the username, confirmed); 400 naming the field."""
    if not isinstance(new, str) or len(new) < PASSWORD_MIN:
        raise ValidationError(
            f"new_password: at least {PASSWORD_MIN} characters",
            "new_password",
            msgid="New password: at least %(n)d characters",
            params={"n": PASSWORD_MIN},
        )
    if len(new) > PASSWORD_MAX:
        raise ValidationError(f"new_password: at most {PASSWORD_MAX} characters", "new_password")
    if new.strip().lower() == user.username.lower() or len(set(new)) < 4:
        raise ValidationError(
            "new_password: too easy to guess (your username, or few different characters)", "new_password"
        )
    if check_password_hash(user.password_hash, new):
        raise ValidationError("new_password: the same as the current password", "new_password")
    if new != confirm:
        raise ValidationError("confirm_password: does not match the new password", "confirm_password")
    return new


def set_password(user: User, new: str) -> None:
    """Store `new` as the user's password (hashed); the caller ends the user's other sessions."""
    user.password_hash = generate_password_hash(new)
