"""The report as text, CSV or JSON (the same figures in each)."""
from __future__ import annotations

import csv
import io
import json

from .reports import HEADLINE

LABELS_ZH = {"visits": "接待群众（人次）", "issues_collected": "收集问题", "solved_on_site": "现场解决",
             "solved_by_team": "街长团队解决", "open": "未办结", "overdue": "已超期",
             "fire_lanes_opened": "打通消防通道", "rejected": "不予受理"}


def as_json(report: dict) -> str:
    """Return the report as a JSON document."""
    return json.dumps(report, ensure_ascii=False, indent=2)


def as_text(report: dict) -> str:
    """Return the report as aligned lines for a terminal."""
    lines = [f"大塘街道 report {report['start']} .. {report['end']}" + (f" ({report['area']})" if report["area"] else "")]
    for key in HEADLINE + ("rejected",):
        lines.append(f"  {key:<18} {report[key]:>7}  {LABELS_ZH[key]}")
    if report.get("by_category"):
        lines.append("  by category:")
        for row in report["by_category"]:
            lines.append(f"    {row['category']:<18} collected {row['issues_collected']:>5}  on site "
                         f"{row['solved_on_site']:>4}  team {row['solved_by_team']:>4}  open {row['open']:>4}")
    return "\n".join(lines)


def as_csv(report: dict) -> str:
    """Return the report as CSV rows: section, key, figures."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "value", "issues_collected", "solved_on_site", "solved_by_team", "open",
                     "overdue"])
    for key in HEADLINE + ("rejected",):
        writer.writerow(["total", key, report[key], "", "", "", "", ""])
    for row in report.get("by_category", []):
        writer.writerow(["category", row["category"], "", row["issues_collected"], row["solved_on_site"],
                         row["solved_by_team"], row["open"], row["overdue"]])
    return out.getvalue()


FORMATS = {"json": as_json, "text": as_text, "csv": as_csv}
