"""Who is asking: login sessions for pages, bearer tokens for the API, and role guards for both.

API routes authenticate by `Authorization: Bearer <token>` only (never by the session cookie), so they
need no CSRF token; pages use the session and CSRF-protected forms.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import ParamSpec, TypeVar, cast

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from geo_app.domain.core import tokens
from geo_app.domain.core.accounts import revoke_sessions
from geo_app.domain.errors import DomainError, Forbidden, ValidationError
from geo_app.extensions import csrf, db, db_session, login_manager
from geo_app.models import User
from geo_app.web import login_guard, params
from geo_app.web import param_schemas as S
from geo_app.web.redirects import safe_next

P = ParamSpec("P")
R = TypeVar("R")

bp = Blueprint("auth", __name__)
# Short-lived: a client refreshes with POST /api/token/refresh; logout and `tokens revoke` end them sooner.
TOKEN_MAX_AGE = 3600


class Unauthorized(DomainError):
    http_status = 401
    code = "unauthorized"


def _load_user(session_id: str) -> User | None:
    """Return the session's user while the session's epoch is still the user's (see User.get_id)."""
    uid, _, epoch = session_id.partition(":")
    if not (uid.isdigit() and epoch.isdigit() and len(uid) < 19 and len(epoch) < 10):
        return None
    user = db.session.get(User, int(uid))
    if user is None or not user.active or user.auth_epoch != int(epoch):
        return None
    return user


# Registered by a call rather than as a decorator: Flask-Login has no types, so the decorator form
# would leave `_load_user` untyped.
login_manager.user_loader(_load_user)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def issue_token(user: User) -> str:
    """Return a signed bearer token for the user (valid TOKEN_MAX_AGE seconds), recorded by its id."""
    token_id = tokens.record(db_session(), user, datetime.now(UTC), TOKEN_MAX_AGE)
    db.session.commit()
    return _serializer().dumps({"uid": user.id, "ep": user.auth_epoch, "tid": token_id})


def token_user() -> User | None:
    """Return the user of the request's bearer token, None without one; raise 401 on a bad token."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Authorization: expected 'Bearer <token>'", "Authorization")
    try:
        data = _serializer().loads(token.strip(), max_age=TOKEN_MAX_AGE)
    except SignatureExpired:
        raise Unauthorized("token expired; ask /api/token for a new one", "Authorization") from None
    except BadSignature:
        raise Unauthorized("token not valid", "Authorization") from None
    uid, epoch = (data.get("uid"), data.get("ep")) if isinstance(data, dict) else (None, None)
    user = None
    if isinstance(uid, int) and not isinstance(uid, bool) and 0 < uid < 2**63:
        user = tokens.live_user(db_session(), uid, data.get("tid"), datetime.now(UTC))
    if user is None or not user.active or user.auth_epoch != epoch:
        raise Unauthorized("token not valid (expired, revoked or logged out)", "Authorization")
    return user


def viewer() -> User | None:
    """Return the bearer token's user, else the session's, else None (reads that pages fetch with the session)."""
    user = token_user()
    if user is None and current_user.is_authenticated:
        user = cast(User, current_user._get_current_object())
    return user


def api_user(*roles: str) -> User:
    """Return the API caller; 401 without a valid token, 403 when their role is not among `roles`."""
    user = token_user()
    if user is None:
        raise Unauthorized("login required: POST /api/token, then send Authorization: Bearer <token>", "Authorization")
    if roles and user.role not in roles:
        raise Forbidden(f"role {user.role} may not do this", "role")
    return user


def api_route(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate an API view: it runs with `g.user` set to the token's user holding one of `roles`."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            g.user = api_user(*roles)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def page_user(*roles: str) -> User:
    """Return the logged-in page user; raise 403 when their role is not among `roles`."""
    if not current_user.is_authenticated:
        raise _LoginRedirect()
    if roles and current_user.role not in roles:
        raise Forbidden(f"role {current_user.role} may not open this page", "role")
    return cast(User, current_user._get_current_object())  # Flask-Login has no types: current_user is Any


def page_route(
    *roles: str,
) -> Callable[[Callable[P, ResponseReturnValue]], Callable[P, ResponseReturnValue]]:
    """Decorate a page view: anonymous users go to /login, other roles get 403; sets `g.user`."""

    def decorate(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
            try:
                g.user = page_user(*roles)
            except _LoginRedirect:
                return redirect(url_for("auth.login", next=request.full_path))
            return view(*args, **kwargs)

        return wrapper

    return decorate


class _LoginRedirect(Exception):
    pass


@bp.route("/login", methods=["GET", "POST"])
@params.declare(query=S.LoginQuery, form=S.LoginForm)
def login() -> ResponseReturnValue:
    """Show the login form, or log the user in (the same message whether or not the user exists)."""
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        user = login_guard.attempt(username, request.form.get("password", ""))
        if user is not None:
            login_user(user)
            target = safe_next(request.args.get("next") or request.form.get("next"), url_for("home.index"))
            return login_guard.remember_device(redirect(target), user)
        error = "invalid"
    return render_template("auth/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
@params.declare()
def logout() -> ResponseReturnValue:
    """End the session here and everywhere: a copied cookie (or a token) of this user stops working."""
    if current_user.is_authenticated:
        revoke_sessions(cast(User, current_user._get_current_object()))
        db.session.commit()
    logout_user()
    return redirect(url_for("home.index"))


@bp.post("/api/token")
@params.declare(json=S.TokenBody)
def token() -> ResponseReturnValue:
    """Exchange {username, password} for a bearer token."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("body: a JSON object {username, password} is required", "body")
    for field in ("username", "password"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise ValidationError(f"{field}: is required", field)
    user = login_guard.attempt(body["username"], body["password"])
    if user is None:
        raise Unauthorized("username or password is wrong", "password")
    return {"token": issue_token(user), "expires_in": TOKEN_MAX_AGE, "role": user.role}


@bp.post("/api/token/refresh")
@params.declare()
def refresh_token() -> ResponseReturnValue:
    """Exchange a valid bearer token for a fresh one (same user, same epoch)."""
    user = api_user()
    return {"token": issue_token(user), "expires_in": TOKEN_MAX_AGE, "role": user.role}


@bp.post("/api/token/revoke")
@params.declare()
def revoke_token() -> ResponseReturnValue:
    """Revoke every token and session of the bearer's user (an API client's logout)."""
    tokens.revoke_user(db_session(), api_user(), datetime.now(UTC))
    db.session.commit()
    return {"revoked": True}


# Exempted by a call, like the API blueprints: Flask-WTF has no types, so the decorator form would
# leave the views untyped. The exemption is by the view's dotted name, so its place here changes nothing.
for _view in (token, refresh_token, revoke_token):
    csrf.exempt(_view)
