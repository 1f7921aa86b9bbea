"""书记在现场: log a site visit and the team's issues settled there (each resolved on site)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from geo_app.domain.errors import DomainError
from geo_app.domain.workflow import on_site, photos, worklists
from geo_app.extensions import db_session
from geo_app.models import SiteVisit
from geo_app.vocab import SITE_VISIT_ROLES
from geo_app.web import params
from geo_app.web.auth import page_route
from geo_app.web.errors import committed
from geo_app.web.workflow import schemas as S
from geo_app.web.workflow.photos import form_uploads, photo_settings

bp = Blueprint("site_visits", __name__)


def _render(error: DomainError | None = None, status: int = 200) -> tuple[str, int]:
    f = worklists.IssueFilter(statuses=["open"], per_page=100)
    has_team = g.user.team_id is not None or g.user.role == "admin"
    open_issues = worklists.list_issues(db_session(), g.user, f)["rows"] if has_team else []
    recent = on_site.recent_site_visits(db_session(), g.user)
    return render_template(
        "site_visits/index.html",
        open_issues=open_issues,
        error=error,
        form=request.form,
        visits=recent,
        visit_photos=photos.site_visit_photos(db_session(), [v["id"] for v in recent]),
    ), status


@bp.get("/site-visits")
@page_route(*SITE_VISIT_ROLES)
@params.declare()
def index() -> ResponseReturnValue:
    """Show the site-visit form (with the team's open issues) and the latest visits."""
    return _render()


@bp.post("/site-visits")
@page_route(*SITE_VISIT_ROLES)
@params.declare(form=S.SiteVisitForm)
def create() -> ResponseReturnValue:
    """Store a site visit and resolve the ticked issues on site, all or nothing."""
    data: dict[str, Any] = {k: request.form.get(k) for k in ("place", "visited_at", "notes")}
    data["issues"] = request.form.getlist("issues")
    files = form_uploads()

    def log() -> SiteVisit:
        images = photos.decode_all(files, photo_settings())  # every photo checked before anything is stored
        visit = on_site.log_site_visit(db_session(), g.user, data)
        for image in images:
            photos.save(db_session(), image, photo_settings(), stage="after", site_visit_id=visit.id, actor=g.user)
        return visit

    visit = committed(log)
    if isinstance(visit, DomainError):
        return _render(visit, visit.http_status)
    flash(_("Site visit logged; %(n)d issues resolved on site", n=len(data["issues"])), "ok")
    return redirect(url_for("site_visits.index", _anchor=f"visit-{visit.id}"))
