"""A deployment far from 大塘: a synthetic street grid in Los Angeles, profile America/Los_Angeles with the
CRS picked automatically, issues with naive US 12-hour times across the start of daylight saving time."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC
from pathlib import Path

import pytest
from pyproj import Transformer
from sqlalchemy import text

from geo_app.extensions import db

CENTER = (-118.25, 34.05)
UTM_11N = 32611

# (naive local time as a US export writes it, the UTC instant it means in Los Angeles)
TIMES = {
    "LA-2024-00001": ("02/29/2024 09:00:00 PM", "2024-03-01T05:00:00"),  # PST; already March in UTC
    "LA-2024-00002": ("03/09/2024 11:30:00 PM", "2024-03-10T07:30:00"),  # PST, the evening before
    "LA-2024-00003": ("03/10/2024 01:30:00 AM", "2024-03-10T09:30:00"),  # PST, before the change
    "LA-2024-00004": ("03/10/2024 03:30:00 AM", "2024-03-10T10:30:00"),  # PDT, after 02:00 -> 03:00
    "LA-2024-00005": ("03/31/2024 11:00:00 PM", "2024-04-01T06:00:00"),  # PDT; already April in UTC
}


def _grid(path: Path, n: int = 5, step_m: float = 200.0) -> None:
    """Write an n×n street grid around CENTER (streets east-west, avenues north-south) as GeoJSON."""
    to_m = Transformer.from_crs(4326, UTM_11N, always_xy=True)
    to_ll = Transformer.from_crs(UTM_11N, 4326, always_xy=True)
    x0, y0 = to_m.transform(*CENTER)
    half = (n - 1) * step_m / 2
    features = []
    for i in range(n):
        off = -half + i * step_m
        lines = {
            f"{i + 1} Street": [(x0 - half, y0 + off), (x0 + half, y0 + off)],
            f"Avenue {chr(65 + i)}": [(x0 + off, y0 - half), (x0 + off, y0 + half)],
        }
        for name, ends in lines.items():
            coords = [list(to_ll.transform(x, y)) for x, y in ends]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"name": name},
                    "geometry": {"type": "LineString", "coordinates": coords},
                }
            )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")


@pytest.fixture()
def los_angeles(bare_db, bare_app, tmp_path):
    """The LA deployment: profile (auto CRS), streets, issues; returns (app, database url, import output)."""
    runner = bare_app.test_cli_runner()
    init = runner.invoke(
        args=[
            "init-deployment", "--name", "Los Angeles", "--timezone", "America/Los_Angeles",
            "--metric-srid", "auto", "--center", f"{CENTER[0]},{CENTER[1]}", "--ref-prefix", "LA",
        ]
    )  # fmt: skip
    assert init.exit_code == 0, init.output
    streets = tmp_path / "la_grid.geojson"
    _grid(streets)
    out = runner.invoke(args=["import-streets", str(streets)])
    assert out.exit_code == 0, out.output
    to_ll = Transformer.from_crs(UTM_11N, 4326, always_xy=True)
    x0, y0 = Transformer.from_crs(4326, UTM_11N, always_xy=True).transform(*CENTER)
    issues = tmp_path / "la_issues.csv"
    with open(issues, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["ref", "category", "description", "lon", "lat", "channel", "reported_at"])
        for k, (ref, (local, _)) in enumerate(TIMES.items()):
            lon, lat = to_ll.transform(x0 + 10 + 7 * k, y0 + 5)  # a few metres off 3 Street
            w.writerow([ref, "noise", "Leaf blower at 6 am", f"{lon:.7f}", f"{lat:.7f}", "phone", local])
        w.writerow(["LA-2024-00006", "noise", "swapped", CENTER[1], CENTER[0], "phone", "03/10/2024 10:00:00 AM"])
        w.writerow(["LA-2024-00007", "noise", "null island", 0, 0, "phone", "03/10/2024 10:00:00 AM"])
        w.writerow(["LA-2024-00008", "noise", "San Diego", -117.16, 32.72, "phone", "03/10/2024 10:00:00 AM"])
    imported = runner.invoke(args=["import-issues", str(issues), "--no-progress"])
    assert imported.exit_code == 0, imported.output
    return bare_app, bare_db[1], imported.output, tmp_path


def test_profile_crs_and_streets(los_angeles):
    app, _, _, _ = los_angeles
    body = app.test_client().get("/api/deployment").get_json()
    assert body["metric_srid"] == UTM_11N and body["ref_prefix"] == "LA"
    with app.app_context():
        # lengths in the UTM zone are true metres: every line of the grid is 800 m long (to the decimetre)
        lengths = db.session.execute(text("SELECT min(length_m), max(length_m), count(*) FROM street_segments")).one()
        db.session.remove()
    assert lengths[2] == 2 * 5 and 799.9 < lengths[0] <= lengths[1] < 800.1
    west, south, east, north = body["bbox"]  # the streets' hull plus a margin, no longer the 20 km disc
    assert east - west < 0.1 and west < CENTER[0] < east and south < CENTER[1] < north


def test_naive_us_times_are_los_angeles_local_time_across_dst(los_angeles):
    app, _, output, tmp_path = los_angeles
    assert "inserted 5" in output and "rejected 3" in output
    with app.app_context():
        rows = dict(
            db.session.execute(text("SELECT ref, reported_at FROM issues WHERE ref LIKE 'LA-%' ORDER BY ref")).all()
        )
        linked = db.session.execute(text("SELECT count(*) FROM issues WHERE segment_id IS NOT NULL")).scalar()
        db.session.remove()
    assert {ref: t.astimezone(UTC).replace(tzinfo=None).isoformat() for ref, t in rows.items()} == {
        ref: instant for ref, (_, instant) in TIMES.items()
    }
    assert linked == 5  # snapped in the UTM zone, not in 大塘's
    with open(tmp_path / "la_issues.rejected.csv", newline="", encoding="utf-8") as f:
        reasons = {r["ref"]: r["reason"] for r in csv.DictReader(f)}
    assert "swapped" in reasons["LA-2024-00006"] and "0,0" in reasons["LA-2024-00007"]
    assert "outside the service area" in reasons["LA-2024-00008"]


def _report(app, start: str, end: str) -> dict:
    out = app.test_cli_runner().invoke(args=["report", "--start", start, "--end", end, "--format", "json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_report_days_and_rollup_months_are_los_angeles_days(los_angeles):
    app, _, _, _ = los_angeles
    assert _report(app, "2024-03-10", "2024-03-10")["issues_collected"] == 2  # 01:30 PST and 03:30 PDT
    assert _report(app, "2024-03-09", "2024-03-09")["issues_collected"] == 1  # 23:30 local, 07:30 UTC next day
    assert _report(app, "2024-02-01", "2024-02-29")["issues_collected"] == 1
    assert _report(app, "2024-03-01", "2024-03-31")["issues_collected"] == 4
    assert _report(app, "2024-04-01", "2024-04-30")["issues_collected"] == 0
    with app.app_context():
        months = dict(
            db.session.execute(
                text("SELECT month::text, sum(n) FROM report_cohorts GROUP BY 1 HAVING sum(n) > 0")
            ).all()
        )
        db.session.remove()
    assert months == {"2024-02-01": 1, "2024-03-01": 4}


def test_a_second_process_with_no_variables_reports_in_los_angeles_time(los_angeles):
    _, url, _, _ = los_angeles
    env = {k: v for k, v in os.environ.items() if k not in ("METRIC_SRID", "TIMEZONE", "REF_PREFIX")}
    env["DATABASE_URL"] = url
    flask = str(Path(sys.executable).with_name("flask"))
    args = ["report", "--start", "2024-03-10", "--end", "2024-03-10", "--format", "json"]
    out = subprocess.run([flask, "--app", "geo_app", *args], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["issues_collected"] == 2
    env["TIMEZONE"] = "Asia/Shanghai"  # a contradicting variable: refused, with the reason
    out = subprocess.run([flask, "--app", "geo_app", *args], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and "TIMEZONE=Asia/Shanghai" in out.stderr and "America/Los_Angeles" in out.stderr
