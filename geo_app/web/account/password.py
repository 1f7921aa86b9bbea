"""/account/password: a signed-in user changes their own password (the current one required, throttled like
a login); every other session and bearer token of the user ends, this session goes on."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_user

from geo_app.domain.core import accounts, tokens
from geo_app.domain.errors import DomainError, ValidationError
from geo_app.extensions import db_session
from geo_app.vocab import STAFF_ROLES
from geo_app.web import login_guard, params
from geo_app.web.account import schemas as S
from geo_app.web.auth import page_route
from geo_app.web.errors import committed
from geo_app.web.redirects import safe_next

bp = Blueprint("account", __name__)


def _page(error: DomainError | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "account/password.html", error=error, min_length=accounts.PASSWORD_MIN, next=request.values.get("next", "")
    ), status


@bp.get("/account/password")
@page_route(*STAFF_ROLES)
@params.declare(query=S.NextQuery)
def form() -> ResponseReturnValue:
    """Show the password form."""
    return _page()


@bp.post("/account/password")
@page_route(*STAFF_ROLES)
@params.declare(query=S.NextQuery, form=S.PasswordForm)
def change() -> ResponseReturnValue:
    """Change the password; on refusal show the form again naming the field."""
    user = g.user
    try:  # counted like a login: a stolen session cannot guess the current password at leisure
        same = login_guard.attempt(user.username, request.form.get("current_password", ""))
    except DomainError as refused:
        return _page(refused, refused.http_status)
    if same is None or same.id != user.id:
        return _page(ValidationError("current_password: not your current password", "current_password"), 400)

    def apply() -> bool:
        new = accounts.check_new_password(user, request.form.get("new_password"), request.form.get("confirm_password"))
        accounts.set_password(user, new)
        tokens.revoke_user(db_session(), user, datetime.now(UTC))  # other sessions and tokens end here
        return True

    err = committed(apply)
    if isinstance(err, DomainError):
        return _page(err, err.http_status)
    login_user(user)  # this session carries the new epoch and goes on
    flash(_("Password changed: your other sessions and tokens have ended"), "ok")
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))
