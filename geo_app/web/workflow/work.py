"""The chief's work list (team issues, overdue and newest first) and the escalation page of overdue issues."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from geo_app.domain.workflow import worklists
from geo_app.extensions import db_session
from geo_app.vocab import ESCALATION_ROLES, REVIEW_ROLES, WORKLIST_ROLES
from geo_app.web import params, todo_counts
from geo_app.web.auth import page_route
from geo_app.web.workflow import schemas as S

bp = Blueprint("work", __name__)


@bp.get("/work")
@page_route(*WORKLIST_ROLES)
@params.declare(query=S.IssueFilterQuery)
def work_list() -> ResponseReturnValue:
    """List the user's issues (open by default), overdue first, then newest."""
    args = request.args.to_dict()
    args.setdefault("status", "open" if not args.get("awaiting") else "all")
    if args["status"] == "all":
        args.pop("status")
    f = worklists.parse_filter(db_session(), args)
    listing = worklists.list_issues(db_session(), g.user, f)
    return render_template(
        "work/list.html",
        listing=listing,
        status=request.args.get("status", "open"),
        categories=worklists.categories(db_session()),
        category=f.category,
        todo=todo_counts.counts(),
    )


@bp.get("/escalation")
@page_route(*ESCALATION_ROLES)
@params.declare(query=S.PageQuery)
def escalation() -> ResponseReturnValue:
    """Gather the overdue open issues in the user's scope, most overdue first."""
    f = worklists.parse_filter(db_session(), {"page": request.args.get("page"), "cursor": request.args.get("cursor")})
    listing = worklists.escalations(db_session(), g.user, f.page, cursor=f.cursor)
    return render_template("work/escalation.html", listing=listing)


@bp.get("/review")
@page_route(*REVIEW_ROLES)
@params.declare(query=S.PageQuery)
def review() -> ResponseReturnValue:
    """List the open issues with no street segment (the review queue), each with its reason and owner."""
    args = {"unlinked": "1", "status": "open", "page": request.args.get("page"), "cursor": request.args.get("cursor")}
    f = worklists.parse_filter(db_session(), args)
    return render_template("work/review.html", listing=worklists.list_issues(db_session(), g.user, f))
