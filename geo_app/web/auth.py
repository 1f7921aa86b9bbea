"""Who is asking: login sessions for pages, bearer tokens for the API, and role guards for both.

API routes authenticate by `Authorization: Bearer <token>` only (never by the session cookie), so they
need no CSRF token; pages use the session and CSRF-protected forms.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar, cast

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from geo_app.domain.core.accounts import authenticate
from geo_app.domain.errors import DomainError, Forbidden, ValidationError
from geo_app.extensions import csrf, db, db_session, login_manager
from geo_app.models import User

P = ParamSpec("P")
R = TypeVar("R")

bp = Blueprint("auth", __name__)
TOKEN_MAX_AGE = 12 * 3600


class Unauthorized(DomainError):
    http_status = 401
    code = "unauthorized"


def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


# Registered by a call rather than as a decorator: Flask-Login has no types, so the decorator form
# would leave `_load_user` untyped.
login_manager.user_loader(_load_user)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def issue_token(user: User) -> str:
    """Return a signed bearer token for the user (valid TOKEN_MAX_AGE seconds)."""
    return _serializer().dumps({"uid": user.id})


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
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active:
        raise Unauthorized("token not valid", "Authorization")
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


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the login form, or log the user in (the same message whether or not the user exists)."""
    error = None
    if request.method == "POST":
        user = authenticate(db_session(), request.form.get("username", "").strip(), request.form.get("password", ""))
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        error = "invalid"
    return render_template("auth/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the session."""
    logout_user()
    return redirect(url_for("home.index"))


@bp.post("/api/token")
def token() -> ResponseReturnValue:
    """Exchange {username, password} for a bearer token."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("body: a JSON object {username, password} is required", "body")
    for field in ("username", "password"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise ValidationError(f"{field}: is required", field)
    user = authenticate(db_session(), body["username"], body["password"])
    if user is None:
        raise Unauthorized("username or password is wrong", "password")
    return {"token": issue_token(user), "expires_in": TOKEN_MAX_AGE, "role": user.role}


# Exempted by a call, like the API blueprints: Flask-WTF has no types, so the decorator form would
# leave `token` untyped. The exemption is by the view's dotted name, so its place here changes nothing.
csrf.exempt(token)
