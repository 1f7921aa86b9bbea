"""The report as tables people read (CSV and XLSX): one table a section, headers and names in the reader's
language, codes replaced by names. Headers are English msgids that the caller's `translate` (the web's
gettext) turns into the reader's language; the identity keeps them English.

Every text cell passes through formats.cell, so a street or team named "=HYPERLINK(...)" is text in Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from geo_app.domain.analysis.reports.formats import cell
from geo_app.domain.analysis.reports.report import COUNTS, HEADLINE

Translate = Callable[[str], str]
FIGURE_NAMES = {
    "visits": "Residents received (visits)",
    "issues_collected": "Issues collected",
    "solved_on_site": "Solved on site",
    "solved_by_team": "Solved by street-chief teams",
    "open": "Open",
    "overdue": "Overdue",
    "fire_lanes_opened": "Fire lanes opened",
    "rejected": "Rejected",
    "follow_ups": "Follow-ups (回访)",
    "satisfied": "Satisfied",
    "basic": "Basically satisfied",
    "unsatisfied": "Not satisfied",
    "satisfaction_rate": "Satisfaction rate",
    "solved": "Solved",
    "median_h": "Median hours to resolve",
    "p90_h": "90th percentile hours to resolve",
}
COUNT_HEADERS = ("Collected", "On site", "Solved by team", "Open", "Overdue", "Rejected")


@dataclass
class Sheet:
    """One section of the report as a table: a title, a header row and data rows."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Names:
    """Names of the codes a report holds, in the reader's language."""

    categories: dict[str, str] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)


def _counts(row: dict[str, Any]) -> list[Any]:
    return [row[k] for k in COUNTS]


def _totals(report: dict[str, Any], comparisons: list[dict[str, Any]], t: Translate) -> Sheet:
    kinds = {"previous": "Previous period", "last_year": "Same period last year"}
    headers = [t("Figure"), t("This period")]
    for c in comparisons:
        headers += [f"{t(kinds[c['kind']])} {c['start']} – {c['end']}", t("Change")]
    sheet = Sheet("totals", t("Headline figures"), headers)
    sat = report.get("satisfaction") or {}
    values = {**{k: report[k] for k in HEADLINE + ("rejected",)}, **sat}
    values.update({k: (report.get("time_to_resolve") or {}).get(k) for k in ("solved", "median_h", "p90_h")})
    for key, value in values.items():
        line = [t(FIGURE_NAMES[key]), value]
        for c in comparisons:
            other = c["figures"].get(key)
            line += [other["value"], other["change"]] if other else ["", ""]
        sheet.rows.append(line)
    return sheet


def sheets(
    report: dict[str, Any], names: Names, t: Translate, comparisons: list[dict[str, Any]] | None = None
) -> list[Sheet]:
    """Return the report's sections as tables: totals (with comparisons), category, team, segment, department."""
    counts = [t(h) for h in COUNT_HEADERS]
    out = [_totals(report, comparisons or [], t)]
    out.append(
        Sheet(
            "category",
            t("By category"),
            [t("Category"), *counts],
            [[names.categories.get(r["category"], r["category"]), *_counts(r)] for r in report["by_category"]],
        )
    )
    out.append(
        Sheet(
            "team",
            t("By team"),
            [t("Team"), *counts, t("Median hours to resolve"), t("90th percentile hours to resolve")],
            [[r["name"] or t("No team"), *_counts(r), r["median_h"], r["p90_h"]] for r in report["by_team"]],
        )
    )
    out.append(
        Sheet(
            "segment",
            t("Segments with most issues"),
            [t("Segment"), t("Street"), *counts],
            [[r["code"], r["street_name"], *_counts(r)] for r in report["by_segment"]],
        )
    )
    dep_headers = ["Department", "Dispatches", "Acknowledged", "Done", "Median hours to acknowledge"]
    dep_headers += ["90th percentile hours to acknowledge", "Median hours to finish", "90th percentile hours to finish"]
    out.append(
        Sheet(
            "department",
            t("By department"),
            [t(h) for h in dep_headers],
            [
                [names.departments.get(r["department"], r["department"]), r["dispatches"], r["acknowledged"], r["done"]]
                + [r["ack_median_h"], r["ack_p90_h"], r["done_median_h"], r["done_p90_h"]]
                for r in report["by_department"]
            ],
        )
    )
    return out


def title_lines(report: dict[str, Any], place: str, t: Translate) -> list[str]:
    """Return the lines above the tables: the place, the report's name, its period and area."""
    period = f"{t('Period')}: {report['start']} – {report['end']}"
    area = f"{t('Area')}: {report['area']}" if report.get("area") else ""
    return [line for line in (f"{place} {t('District report')}".strip(), period, area) if line]


BOM = "\ufeff"  # Excel on Chinese Windows reads a CSV without it in the ANSI code page (GBK): garbled names


def as_csv(tables: list[Sheet], heading: list[str]) -> str:
    """Return the tables as one CSV for Excel: a UTF-8 BOM, the heading lines, then each table under its title
    with a blank line between tables; every text cell neutralised."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    for line in heading:
        writer.writerow([cell(line)])
    for table in tables:
        writer.writerow([])
        writer.writerow([cell(table.title)])
        writer.writerow([cell(h) for h in table.headers])
        for row in table.rows:
            writer.writerow([cell(v) for v in row])
    return out.getvalue()
