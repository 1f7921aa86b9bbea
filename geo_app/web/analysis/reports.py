"""The report page (/reports?start=&end=&area=) with CSV and JSON downloads of the same figures."""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template, request
from flask.typing import ResponseReturnValue

from geo_app.domain.analysis.reports import formats
from geo_app.domain.analysis.reports import report as reports
from geo_app.domain.errors import ValidationError
from geo_app.extensions import db_session
from geo_app.vocab import STAFF_ROLES
from geo_app.web.analysis.api import arg_date
from geo_app.web.auth import page_route

bp = Blueprint("reports", __name__)


@bp.get("/reports")
@page_route(*STAFF_ROLES)
def report_page() -> ResponseReturnValue:
    """Render the report for the period and area, or download it with &format=csv|json."""
    first, last = reports.default_period(db_session())
    start, end = arg_date("start") or first, arg_date("end") or last
    area_arg = request.args.get("area") or ""
    report = reports.figures(db_session(), start, end, reports.parse_area(area_arg))
    fmt = request.args.get("format") or "html"
    if fmt in ("csv", "json"):
        name = f"report_{start.isoformat()}_{end.isoformat()}.{fmt}"
        mime = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
        return Response(
            formats.FORMATS[fmt](report),
            mimetype=mime,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if fmt != "html":
        raise ValidationError("format: must be csv or json (or absent for the page)", "format")
    lang = g.get("lang", "zh")
    return render_template(
        "reports/index.html",
        report=report,
        start=start,
        end=end,
        area=area_arg,
        areas=reports.area_choices(db_session()),
        categories=reports.category_names(db_session(), lang),
        departments=reports.department_names(db_session(), lang),
    )
