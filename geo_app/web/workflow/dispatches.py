"""Department staff: their department's dispatches, oldest first, with the next step (报到, arrived, done)."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from geo_app.domain.workflow import worklists
from geo_app.extensions import db_session
from geo_app.vocab import DISPATCH_ROLES
from geo_app.web import params
from geo_app.web.auth import page_route
from geo_app.web.workflow import schemas as S

bp = Blueprint("dispatches", __name__)


@bp.get("/dispatches")
@page_route(*DISPATCH_ROLES)
@params.declare(query=S.DispatchListQuery)
def dispatch_list() -> ResponseReturnValue:
    """List the open dispatches of the user's department (with ?done=1 also the finished ones)."""
    include_done = request.args.get("done") == "1"
    rows = worklists.department_dispatches(db_session(), g.user, include_done)
    return render_template("dispatches/list.html", rows=rows, include_done=include_done)
