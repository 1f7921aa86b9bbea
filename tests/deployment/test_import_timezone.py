"""`import-issues --timezone ZONE`: a file's naive times in another zone than the deployment's."""

from __future__ import annotations

import csv

from sqlalchemy import text

from tests import factories


def _csv(path, lon, lat):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["ref", "category", "description", "lon", "lat", "channel", "reported_at"])
        w.writerow(["TZ-2024-00001", "noise", "naive", lon, lat, "phone", "03/10/2024 03:30:00 AM"])
        w.writerow(["TZ-2024-00002", "noise", "offset", lon, lat, "phone", "2024-03-10T03:30:00+08:00"])


def test_naive_times_follow_the_timezone_option_and_offsets_win(runner, session, tmp_path):
    path = tmp_path / "tz.csv"
    _csv(path, *factories.point_on(session))
    out = runner.invoke(args=["import-issues", str(path), "--timezone", "America/Los_Angeles", "--no-progress"])
    assert out.exit_code == 0 and "inserted 2" in out.output, out.output
    got = dict(
        session.execute(
            text("SELECT ref, to_char(reported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM issues "
                 "WHERE ref LIKE 'TZ-%'")
        ).all()
    )  # fmt: skip
    assert got == {"TZ-2024-00001": "2024-03-10 10:30", "TZ-2024-00002": "2024-03-09 19:30"}


def test_without_the_option_naive_times_are_the_deployments(runner, session, tmp_path):
    path = tmp_path / "tz.csv"
    _csv(path, *factories.point_on(session))
    assert runner.invoke(args=["import-issues", str(path), "--no-progress"]).exit_code == 0
    naive = session.execute(
        text("SELECT to_char(reported_at AT TIME ZONE 'UTC', 'HH24:MI') FROM issues WHERE ref = 'TZ-2024-00001'")
    ).scalar()
    assert naive == "19:30"  # 03:30 in the demo's zone (UTC+8) is 19:30 UTC the day before


def test_an_unknown_timezone_is_refused_naming_the_option(runner, session, tmp_path):
    path = tmp_path / "tz.csv"
    _csv(path, *factories.point_on(session))
    out = runner.invoke(args=["import-issues", str(path), "--timezone", "Mars/Olympus", "--no-progress"])
    assert out.exit_code == 2 and "time zone" in out.output
    assert session.execute(text("SELECT count(*) FROM issues WHERE ref LIKE 'TZ-%'")).scalar() == 0
