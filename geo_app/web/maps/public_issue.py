"""Residents: /p/<ref>, a public page per issue, and GET /api/public/issues/<ref> (no login, no personal data)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from geo_app.domain.core.localtime import zone
from geo_app.domain.maps.public_issue import public_issue
from geo_app.extensions import db_session
from geo_app.web import param_schemas as S
from geo_app.web import params

bp = Blueprint("public_issue", __name__)


@bp.get("/p/<ref>")
@params.declare()
def page(ref: str) -> ResponseReturnValue:
    """Show a resident where their issue stands."""
    return render_template("public/issue.html", issue=public_issue(db_session(), ref.strip().upper()))


@bp.get("/p")
@params.declare(query=S.LookupQuery)
def lookup() -> ResponseReturnValue:
    """Go from the lookup box (`?ref=`) to the issue's public page."""
    ref = (request.args.get("ref") or "").strip().upper()[:40]
    return redirect(url_for("public_issue.page", ref=ref)) if ref else redirect(url_for("home.index"))


@bp.get("/api/public/issues/<ref>")
@params.declare()
def api(ref: str) -> ResponseReturnValue:
    """Return the public facts of one issue as JSON."""
    facts = public_issue(db_session(), ref.strip().upper())
    for key, value in list(facts.items()):
        if isinstance(value, datetime):
            facts[key] = value.astimezone(zone()).isoformat()
    for step in facts["steps"]:
        step["at"] = step["at"].astimezone(zone()).isoformat()
    return jsonify(facts)
