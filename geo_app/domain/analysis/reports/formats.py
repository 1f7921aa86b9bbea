"""The report as text, CSV or JSON (the same figures in each)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from geo_app.domain.analysis.reports.report import HEADLINE
from geo_app.domain.core import deployment

LABELS_ZH = {
    "visits": "接待群众（人次）",
    "issues_collected": "收集问题",
    "solved_on_site": "现场解决",
    "solved_by_team": "街长团队解决",
    "open": "未办结",
    "overdue": "已超期",
    "fire_lanes_opened": "打通消防通道",
    "rejected": "不予受理",
}


def as_json(report: dict[str, Any]) -> str:
    """Return the report as a JSON document."""
    return json.dumps(report, ensure_ascii=False, indent=2)


def as_text(report: dict[str, Any]) -> str:
    """Return the report as aligned lines for a terminal."""
    profile = deployment.active_or_none()
    place = f"{profile.name} " if profile and profile.name else ""
    lines = [f"{place}report {report['start']} .. {report['end']}" + (f" ({report['area']})" if report["area"] else "")]
    for key in HEADLINE + ("rejected",):
        lines.append(f"  {key:<18} {report[key]:>7}  {LABELS_ZH[key]}")
    if report.get("by_category"):
        lines.append("  by category:")
        for row in report["by_category"]:
            lines.append(
                f"    {row['category']:<18} collected {row['issues_collected']:>5}  on site "
                f"{row['solved_on_site']:>4}  team {row['solved_by_team']:>4}  open {row['open']:>4}"
            )
    for row in report.get("by_team", []):
        lines.append(
            f"    team {row['team']!s:<13} collected {row['issues_collected']:>5}  open {row['open']:>4}"
            f"  overdue {row['overdue']:>4}"
        )
    for row in report.get("by_department", []):
        lines.append(
            f"    dept {row['department']:<13} dispatches {row['dispatches']:>4}  ack median "
            f"{row['ack_median_h']} h  done median {row['done_median_h']} h"
        )
    t = report.get("time_to_resolve")
    if t:
        lines.append(f"  time to resolve: {t['solved']} solved, median {t['median_h']} h, p90 {t['p90_h']} h")
    return "\n".join(lines)


def rows(report: dict[str, Any]) -> list[tuple[str, Any, Any, str, Any]]:
    """Return every figure of the report as (section, key, name, measure, value) rows."""
    out: list[tuple[str, Any, Any, str, Any]] = [
        ("total", key, LABELS_ZH[key], "value", report[key]) for key in HEADLINE + ("rejected",)
    ]
    t = report.get("time_to_resolve") or {}
    out += [("time_to_resolve", "all", "", m, t.get(m)) for m in ("solved", "median_h", "p90_h") if t]
    for section, key, name, skip in (
        ("by_category", "category", None, ()),
        ("by_segment", "code", "street_name", ("segment_id",)),
        ("by_team", "team", "name", ()),
        ("by_department", "department", "name_zh", ("name_en",)),
    ):
        for row in report.get(section, []):
            for measure, value in row.items():
                if measure not in (key, name) + skip:
                    out.append((section[3:], row[key] or "", row.get(name) or "" if name else "", measure, value))
    return out


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """Return a CSV cell that a spreadsheet will not run: text starting like a formula gets a leading '.

    Names come from the organisation's data (a street or team called "=HYPERLINK(...)" would otherwise
    run when the report is opened in Excel or LibreOffice: OWASP's CSV injection). Numbers stay numbers.
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def as_csv(report: dict[str, Any]) -> str:
    """Return the report as CSV, one figure a row: section, key, name, measure, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "name", "measure", "value"])
    for row in rows(report):
        writer.writerow([cell(v) for v in row])
    return out.getvalue()


FORMATS = {"json": as_json, "text": as_text, "csv": as_csv}
