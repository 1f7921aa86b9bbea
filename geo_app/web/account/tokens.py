"""/admin/tokens: the live bearer tokens per user, each revocable, and every token and session of a user
at once (what `flask tokens revoke USER` does)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import groupby

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from geo_app.domain.core import tokens
from geo_app.domain.core.accounts import user_by_name
from geo_app.domain.core.validation import parse_int
from geo_app.domain.errors import ValidationError
from geo_app.extensions import db, db_session
from geo_app.web import params
from geo_app.web.account import schemas as S
from geo_app.web.auth import page_route

bp = Blueprint("tokens_admin", __name__)


@bp.get("/admin/tokens")
@page_route("admin")
@params.declare()
def index() -> ResponseReturnValue:
    """List the live bearer tokens, grouped by user."""
    rows = tokens.live_tokens(db_session(), datetime.now(UTC))
    users = [(name, list(group)) for name, group in groupby(rows, key=lambda r: r["username"])]
    return render_template("account/tokens.html", users=users)


@bp.post("/admin/tokens/revoke")
@page_route("admin")
@params.declare(form=S.RevokeForm)
def revoke() -> ResponseReturnValue:
    """Revoke one token (`token_id`) or every token and session of a user (`username`)."""
    now = datetime.now(UTC)
    if request.form.get("token_id"):
        tokens.revoke(db_session(), parse_int(request.form["token_id"], "token_id", 1), now)
        message = _("Token revoked")
    elif request.form.get("username"):
        user = user_by_name(db_session(), request.form["username"][:60])
        tokens.revoke_user(db_session(), user, now)
        message = _("Every token and session of %(user)s revoked", user=user.username)
    else:
        raise ValidationError("token_id: a token or a username is required", "token_id")
    db.session.commit()
    flash(message, "ok")
    return redirect(url_for("tokens_admin.index"))
