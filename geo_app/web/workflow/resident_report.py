"""/report: a resident files a problem (pin on the map, category, description, optional photo and contact),
and is answered with the reference to track at /p/<ref>. No login; CSRF, a per-client quota, no CAPTCHA."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from geo_app.config import intake_settings
from geo_app.domain.errors import DomainError
from geo_app.domain.maps.page_data import extent
from geo_app.domain.workflow import intake, photos, resident_report, worklists
from geo_app.extensions import db_session
from geo_app.web import param_schemas as S
from geo_app.web import params
from geo_app.web.errors import committed
from geo_app.web.workflow.photos import photo_settings

bp = Blueprint("report", __name__)


def _settings() -> resident_report.ReportSettings:
    return resident_report.ReportSettings(
        intake=intake_settings(), photos=photo_settings(), per_hour=int(current_app.config["REPORTS_PER_HOUR"])
    )


def _page(error: DomainError | None = None, status: int = 200) -> tuple[str, int]:
    box = extent(db_session())
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2) if box else (0.0, 0.0)
    return render_template(
        "public/report.html",
        categories=worklists.categories(db_session()),
        centre=centre,
        error=error,
        form=request.form,
    ), status


@bp.get("/report")
@params.declare()
def form() -> ResponseReturnValue:
    """Show the report form."""
    return _page()


@bp.post("/report")
@params.declare(form=S.ReportForm)
def submit() -> ResponseReturnValue:
    """File the report; on refusal show the form again with the reason (and the status it deserves)."""
    file = request.files.get("file")
    upload = None
    if file is not None and (file.filename or file.content_length):
        upload = photos.Upload(file.stream.read(photo_settings().max_bytes + 1), file.filename)
    filed = committed(
        lambda: resident_report.file_report(
            db_session(), request.form.to_dict(), upload, request.remote_addr, _settings()
        )
    )
    if isinstance(filed, DomainError):
        page, status = _page(filed, filed.http_status)
        retry = getattr(filed, "retry_after", None)
        return page, status, {"Retry-After": str(retry)} if retry else {}
    flash(
        _(
            "Thank you: your report is filed as %(ref)s. Keep this reference: this page shows where it stands.",
            ref=filed.ref,
        ),
        "ok",
    )
    return redirect(url_for("public_issue.page", ref=filed.ref))


@bp.get("/report/streets.json")
@params.declare(query=S.BboxQuery)
def streets() -> ResponseReturnValue:
    """Return the streets in `bbox` for the report map: geometry, street name and segment code only."""
    found = worklists.segments_in_bbox(db_session(), worklists.parse_bbox(request.args.get("bbox"), True))
    for f in found["features"]:
        f["properties"] = {"code": f["properties"]["code"], "street_name": f["properties"]["street_name"]}
    return found


@bp.get("/report/snap.json")
@params.declare(query=S.PointQuery)
def snap() -> ResponseReturnValue:
    """Say which street the pin is on (or how far the nearest is): no team, no people."""
    point = g.params  # checked by its schema: finite, in range
    preview = intake.snap_preview(db_session(), point.lon, point.lat, intake_settings().snap_max_m)
    near = preview["nearest"] or {}
    preview["nearest"] = {k: near.get(k) for k in ("street_name", "segment", "distance_m")} if near else None
    return preview
