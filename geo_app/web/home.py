"""The front page, the health check, and the place's name for every page."""

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from geo_app import profile as app_profile
from geo_app.domain.core.deployment import Profile
from geo_app.web import params

bp = Blueprint("home", __name__)


def place_name(profile: Profile | None = None) -> str:
    """Return the deployment's name in the request's language ('' before a profile exists)."""
    profile = profile or app_profile.current(current_app)
    if profile is None:
        return ""
    locale = get_locale()
    return profile.name_en if locale is not None and locale.language == "en" else profile.name


@bp.app_context_processor
def _deployment() -> dict[str, str]:
    return {"place_name": place_name()}


@bp.app_context_processor
def _menu_counts() -> dict[str, object]:
    """The to-do counts of the menu, for a signed-in user (computed when a page is rendered)."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        return {"menu_counts": {}}

    from geo_app.web import todo_counts

    return {"menu_counts": todo_counts.menu}


@bp.get("/")
@params.declare()
def index() -> ResponseReturnValue:
    """Render the front page, with the signed-in team member's to-do counts."""
    from flask_login import current_user

    from geo_app.vocab import WORKLIST_ROLES
    from geo_app.web import todo_counts

    counts = None
    if current_user.is_authenticated and current_user.role in WORKLIST_ROLES:
        counts = todo_counts.counts()
    return render_template("home/index.html", todo=counts)


@bp.get("/healthz")
@params.declare()
def healthz() -> ResponseReturnValue:
    """Return 200 when the app and its database answer and the database has its deployment profile."""
    from sqlalchemy import text

    from geo_app.extensions import db

    db.session.execute(text("SELECT 1"))
    if app_profile.current(current_app) is None:
        return {"status": "no_deployment", "message": "run flask --app geo_app init-deployment"}, 503
    return {"status": "ok"}
