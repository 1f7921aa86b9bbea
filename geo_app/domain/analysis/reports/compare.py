"""A report's period beside the periods it is compared with: the one just before and the same one last year."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from geo_app.domain.analysis.reports import report as reports
from geo_app.domain.core import periods

COMPARED = reports.HEADLINE


def _change(now: int | float | None, then: int | float | None) -> dict[str, Any]:
    """Return {value, change, change_pct} of a figure against its value in another period."""
    if now is None or then is None:
        return {"value": then, "change": None, "change_pct": None}
    return {
        "value": then,
        "change": round(now - then, 4),
        "change_pct": round(100.0 * (now - then) / then, 1) if then else None,
    }


def comparisons(
    session: Session,
    report: dict[str, Any],
    area: reports.Area | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Return the report's headline figures and satisfaction rate in the previous period and a year earlier.

    Each entry: {kind: previous|last_year, start, end, figures: {key: {value, change, change_pct}}}, where
    change is this period's figure less that period's.
    """
    start, end = date.fromisoformat(report["start"]), date.fromisoformat(report["end"])
    out = []
    for kind, (a, b) in (("previous", periods.previous(start, end)), ("last_year", periods.last_year(start, end))):
        other = reports.figures(session, a, b, area, now=now, top_segments=0)
        figures = {key: _change(report[key], other[key]) for key in COMPARED}
        figures["satisfaction_rate"] = _change(
            report["satisfaction"]["satisfaction_rate"], other["satisfaction"]["satisfaction_rate"]
        )
        out.append({"kind": kind, "start": a.isoformat(), "end": b.isoformat(), "figures": figures})
    return out
