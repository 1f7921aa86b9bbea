"""The front page: what this is, and links to the parts that exist."""

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Render the front page."""
    return render_template("home/index.html")


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Return 200 when the app and its database answer."""
    from sqlalchemy import text

    from geo_app.extensions import db

    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
