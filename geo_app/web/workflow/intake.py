"""Reception-hall intake for clerks: log a visit, file issues from it (map click or segment), offer duplicates."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from geo_app.config import intake_settings
from geo_app.domain.errors import DomainError
from geo_app.domain.workflow import intake, issue_view, nearby, visits, worklists
from geo_app.extensions import db_session
from geo_app.models import Issue
from geo_app.vocab import RECEPTION_ROLES
from geo_app.web import params
from geo_app.web.api.issues import duplicate_radius
from geo_app.web.auth import page_route
from geo_app.web.errors import committed
from geo_app.web.forms import label, localtime
from geo_app.web.maps import basemap
from geo_app.web.workflow import schemas as S

bp = Blueprint("intake", __name__, url_prefix="/intake")
ISSUE_FIELDS = ("category", "description", "address", "reporter_name", "reporter_phone", "unlinked_reason")
NEAR_HALL_M = 3000  # segments offered in the picker: those within this distance of the hall


def _index_page(error: DomainError | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "intake/index.html",
        halls=visits.halls(db_session()),
        error=error,
        form=request.form,
        recent=visits.recent_visits(db_session(), g.user),
    ), status


@bp.get("")
@page_route(*RECEPTION_ROLES)
@params.declare()
def index() -> ResponseReturnValue:
    """Show the visit form and the hall's latest visits."""
    return _index_page()


@bp.post("/visits")
@page_route(*RECEPTION_ROLES)
@params.declare(form=S.VisitForm)
def create_visit() -> ResponseReturnValue:
    """Log a visit, then go on to file its issues."""
    data = {k: request.form.get(k) for k in ("hall", "visited_at", "people", "topics")}
    visit = committed(lambda: visits.log_visit(db_session(), g.user, data))
    if isinstance(visit, DomainError):
        return _index_page(visit, visit.http_status)
    flash(_("Visit logged"), "ok")
    return redirect(url_for("intake.visit", visit_id=visit.id))


def _visit_page(visit_id: int, error: DomainError | None = None, status: int = 200) -> tuple[str, int]:
    detail = visits.visit_detail(db_session(), visit_id, g.user)
    return render_template(
        "intake/visit.html",
        visit=detail,
        categories=worklists.categories(db_session(), active_only=True),
        segments=visits.segments_near(db_session(), detail["lon"], detail["lat"], NEAR_HALL_M),
        base=None if current_app.config.get("TILE_URL") else basemap.config(),
        error=error,
        form=request.form,
    ), status


@bp.get("/visits/<int:visit_id>")
@page_route(*RECEPTION_ROLES)
@params.declare()
def visit(visit_id: int) -> ResponseReturnValue:
    """Show a visit, the issues filed from it, and the form to file another."""
    return _visit_page(visit_id)


@bp.post("/visits/<int:visit_id>/issues")
@page_route(*RECEPTION_ROLES)
@params.declare(form=S.IntakeIssueForm)
def create_issue(visit_id: int) -> ResponseReturnValue:
    """File an issue from the visit at the clicked point or the picked segment; then offer duplicates."""
    visits.visit_detail(db_session(), visit_id, g.user)  # 404/403 before anything is read from the form
    data: dict[str, Any] = {k: request.form.get(k) for k in ISSUE_FIELDS}
    data.update(channel="reception_hall", visit_id=visit_id, confirm_unlinked=request.form.get("confirm_unlinked"))

    def file_issue() -> tuple[Issue, list[Issue]]:
        if request.form.get("lon") or request.form.get("lat"):
            data["lon"], data["lat"] = request.form.get("lon"), request.form.get("lat")
        elif request.form.get("segment"):
            data["lon"], data["lat"] = intake.segment_point(db_session(), request.form["segment"])
        issue = intake.create_issue(db_session(), data, g.user, intake_settings())
        return issue, intake.duplicate_offers(db_session(), issue, duplicate_radius())

    filed = committed(file_issue)
    if isinstance(filed, DomainError):
        return _visit_page(visit_id, filed, filed.http_status)
    issue, offers = filed
    flash(_filed_message(issue), "ok")
    if offers:
        return redirect(url_for("intake.duplicates", ref=issue.ref))
    return redirect(url_for("intake.visit", visit_id=visit_id))


def _filed_message(issue: Issue) -> str:
    """Say where the new issue went: its street segment and team, or the review queue."""
    where = intake.where_filed(db_session(), issue)
    if where is None:
        return _("Issue %(ref)s filed without a street: it waits in the review queue", ref=issue.ref)
    return _(
        "Issue %(ref)s filed: %(street)s %(segment)s, team %(team)s",
        ref=issue.ref,
        street=where["street_name"],
        segment=where["segment"],
        team=where["team_name"] or _("none"),
    )


@bp.get("/snap.json")
@page_route(*RECEPTION_ROLES)
@params.declare(query=S.PointQuery)
def snap() -> ResponseReturnValue:
    """Return where a point would be filed (segment, team, distance) before the clerk files it."""
    from geo_app.domain.core.validation import parse_lonlat

    lon, lat = parse_lonlat(request.args.get("lon"), request.args.get("lat"))
    return jsonify(intake.snap_preview(db_session(), lon, lat, intake_settings().snap_max_m))


@bp.get("/nearby.json")
@page_route(*RECEPTION_ROLES)
@params.declare(query=S.NearbyQuery)
def nearby_issues() -> ResponseReturnValue:
    """Return the open issues near a point before the clerk files one there (likely duplicates first)."""
    from geo_app.domain.core.validation import parse_lonlat
    from geo_app.domain.maps.filters import parse_categories

    lon, lat = parse_lonlat(request.args.get("lon"), request.args.get("lat"))
    cats = parse_categories(db_session(), request.args.get("category") or None)
    found = nearby.open_issues_near(db_session(), g.user, lon, lat, duplicate_radius(), cats[0] if cats else None)
    name = "name_en" if get_locale() and str(get_locale()) == "en" else "name_zh"
    return jsonify(
        [
            {
                "ref": r["ref"],
                "url": url_for("issues.show", ref=r["ref"]),
                "category": r[name],
                "status": label("status", r["status"]),
                "day": localtime(r["reported_at"], "yyyy-MM-dd"),
                "distance_m": r["distance_m"],
                "likely": r["likely"],
                "description": r["description"],
            }
            for r in found
        ]
    )


@bp.get("/issues/<ref>/duplicates")
@page_route(*RECEPTION_ROLES)
@params.declare()
def duplicates(ref: str) -> ResponseReturnValue:
    """Offer the open issues of the same category nearby; merging sends the new issue into one of them."""
    issue = issue_view.readable_issue(db_session(), ref, g.user)
    offers = [
        issue_view.issue_detail(db_session(), other, g.user)
        for other in intake.duplicate_offers(db_session(), issue, duplicate_radius())
    ]
    return render_template(
        "intake/duplicates.html", issue=issue_view.issue_detail(db_session(), issue, g.user), offers=offers
    )


@bp.get("/segments.json")
@page_route(*RECEPTION_ROLES)
@params.declare(query=S.BboxQuery)
def segments() -> ResponseReturnValue:
    """Return the segments in `bbox` for the intake map (session login, like the page)."""
    return jsonify(worklists.segments_in_bbox(db_session(), worklists.parse_bbox(request.args.get("bbox"), True)))
