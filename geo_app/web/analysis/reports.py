"""The report page (/reports?start=&end=&area=, or ?period=this_month…) with CSV, XLSX and JSON downloads of
the same figures, and a print layout (static/css/reports-print.css).

Bad input (a reversed period, a malformed date, an unknown area or format) is shown inside the form, in the
reader's language, with the field marked: the page answers 400 but keeps the form to correct it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext

from geo_app.domain.analysis.reports import compare, formats, sheets, xlsx
from geo_app.domain.analysis.reports import report as reports
from geo_app.domain.core import periods
from geo_app.domain.core.validation import parse_date
from geo_app.domain.errors import DomainError, ValidationError
from geo_app.extensions import db_session
from geo_app.vocab import STAFF_ROLES
from geo_app.web import params
from geo_app.web.analysis import schemas as S
from geo_app.web.auth import page_route
from geo_app.web.home import place_name

bp = Blueprint("reports", __name__)
FORMATS = ("html", "csv", "xlsx", "json")


def _lang() -> str:
    # get_locale, not g.lang: the locale selector sets g.lang only once something has been translated
    return "en" if str(get_locale() or "zh") == "en" else "zh"


def _period() -> tuple[date, date, str]:
    """Return (start, end, preset) of the request: a preset, explicit dates, or this month so far."""
    preset = request.args.get("period") or ""
    start_arg, end_arg = request.args.get("start"), request.args.get("end")
    if preset:
        if preset not in periods.PRESETS:
            raise ValidationError(f"period: one of {', '.join(periods.PRESETS)}", "period")
        start, end = periods.preset(preset, periods.local_today())
    else:
        start, end = periods.preset("this_month", periods.local_today())
    if start_arg and not preset:
        start = parse_date(start_arg, "start")
    if end_arg and not preset:
        end = parse_date(end_arg, "end")
    if end < start:
        raise ValidationError("end: the period ends before it starts", "end")
    return start, end, preset


def _download(body: str | bytes, content_type: str, name: str) -> Response:
    # content_type, not mimetype: Flask would add a second charset to a text type given as mimetype
    return Response(body, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _tables(report: dict[str, Any], comparisons: list[dict[str, Any]], lang: str) -> tuple[list[Any], list[str]]:
    names = sheets.Names(reports.category_names(db_session(), lang), reports.department_names(db_session(), lang))
    return sheets.sheets(report, names, gettext, comparisons), sheets.title_lines(report, place_name(), gettext)


@bp.get("/reports")
@page_route(*STAFF_ROLES)
@params.declare(query=S.ReportQuery)
def report_page() -> ResponseReturnValue:
    """Render the report for the period and area, or download it with &format=csv|xlsx|json."""
    lang = _lang()
    area_arg = request.args.get("area") or ""
    fmt = request.args.get("format") or "html"
    form: dict[str, Any] = {"area": area_arg, "preset": request.args.get("period") or ""}
    try:
        if fmt not in FORMATS:
            raise ValidationError("format: must be csv, xlsx or json (or absent for the page)", "format")
        start, end, form["preset"] = _period()
        form.update(start=start, end=end)
        area = reports.parse_area(area_arg)
        report = reports.figures(db_session(), start, end, area)
    except DomainError as err:
        db_session().rollback()
        form.setdefault("start", request.args.get("start") or "")
        form.setdefault("end", request.args.get("end") or "")
        return _page(form, None, [], error=err), 400
    stem = f"report_{start.isoformat()}_{end.isoformat()}"
    if fmt == "json":
        return _download(formats.as_json(report), "application/json", f"{stem}.json")
    comparisons = compare.comparisons(db_session(), report, area)
    if fmt in ("csv", "xlsx"):
        tables, heading = _tables(report, comparisons, lang)
        if fmt == "csv":
            return _download(sheets.as_csv(tables, heading), "text/csv; charset=utf-8", f"{stem}.csv")
        return _download(xlsx.as_xlsx(tables, heading), xlsx.MIME, f"{stem}.xlsx")
    return _page(form, report, comparisons)


def _page(
    form: dict[str, Any],
    report: dict[str, Any] | None,
    comparisons: list[dict[str, Any]],
    error: DomainError | None = None,
) -> str:
    lang = _lang()
    return render_template(
        "reports/index.html",
        report=report,
        comparisons=comparisons,
        form=form,
        error=error,
        presets=periods.PRESETS,
        areas=reports.area_choices(db_session()),
        categories=reports.category_names(db_session(), lang),
        departments=reports.department_names(db_session(), lang),
    )
