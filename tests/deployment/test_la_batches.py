"""Idempotent, reversible imports in a Los Angeles deployment: a 311 export with its own ids (`--source la311
--id-column "SR Number"`), naive US 12-hour times across the start of daylight saving time, channel and
category words of its own. The same file twice adds nothing; `--update` brings a source's changes; undo puts
back the counts and every rollup exactly, and refuses when staff worked on those issues unless forced."""

from __future__ import annotations

import csv
from datetime import UTC
from pathlib import Path

import pytest
from pyproj import Transformer
from sqlalchemy import text

from geo_app.domain.workflow.actions import apply_action
from geo_app.extensions import db
from tests.analysis.test_report_rollups import assert_rollups_exact as assert_report_rollups_exact
from tests.deployment.test_los_angeles import CENTER, UTM_11N, _grid
from tests.interop.test_import_batches import ROLLUPS
from tests.maps.test_tile_rollups import assert_rollups_exact as assert_tile_rollups_exact

HEADER = ["SR Number", "Request Type", "Created Date", "Closed Date", "Status", "Source", "Latitude", "Longitude",
          "Notes"]  # fmt: skip
# (SR number, type, created (local, naive), closed, status, channel, metres east of the grid's centre, the
# created instant in UTC)
ROWS = [
    ("1-3001", "Noise", "03/09/2024 11:30:00 PM", "", "Open", "Phone", 10, "2024-03-10T07:30:00"),  # PST
    ("1-3002", "Noise", "03/10/2024 01:30:00 AM", "03/10/2024 04:00:00 AM", "Closed", "Mobile App", 17,
     "2024-03-10T09:30:00"),  # PST, before the change; closed after it (PDT)
    ("1-3003", "Parking", "03/10/2024 03:30:00 AM", "", "Open", "Phone", 24, "2024-03-10T10:30:00"),  # PDT
    ("1-3004", "Parking", "3/31/2024 11:00:00 PM", "", "Open", "Self Service", 31, "2024-04-01T06:00:00"),
]  # fmt: skip
OPTIONS = [
    "--source", "la311", "--id-column", "SR Number",
    "--map", "category=Request Type", "--map", "reported_at=Created Date", "--map", "closed_at=Closed Date",
    "--map", "status=Status", "--map", "channel=Source", "--map", "lat=Latitude", "--map", "lon=Longitude",
    "--map", "description=Notes",
    "--category", "Noise=noise", "--category", "Parking=illegal_parking",
    "--channel", "Phone=phone", "--channel", "Mobile App=web", "--channel", "Self Service=web",
    "--no-progress",
]  # fmt: skip


def _write(path: Path, rows: list[tuple], notes: dict[str, str] | None = None) -> None:
    to_ll = Transformer.from_crs(UTM_11N, 4326, always_xy=True)
    x0, y0 = Transformer.from_crs(4326, UTM_11N, always_xy=True).transform(*CENTER)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for sr, kind, created, closed, status, channel, east, _ in rows:
            lon, lat = to_ll.transform(x0 + east, y0 + 5)  # a few metres off 3 Street
            note = (notes or {}).get(sr, "Reported by a neighbour")
            w.writerow([sr, kind, created, closed, status, channel, f"{lat:.7f}", f"{lon:.7f}", note])


@pytest.fixture()
def la(bare_app, tmp_path):
    """The LA deployment with its streets, no issues yet; returns (app, runner, tmp_path)."""
    runner = bare_app.test_cli_runner()
    init = runner.invoke(
        args=[
            "init-deployment", "--name", "Los Angeles", "--timezone", "America/Los_Angeles",
            "--metric-srid", "auto", "--ref-prefix", "LA",
        ]
    )  # fmt: skip
    assert init.exit_code == 0, init.output
    streets = tmp_path / "la_grid.geojson"
    _grid(streets)
    assert runner.invoke(args=["import-streets", str(streets)]).exit_code == 0
    return bare_app, runner, tmp_path


def _import(runner, path: Path, *extra: str) -> tuple[str, int]:
    out = runner.invoke(args=["import-issues", str(path), *OPTIONS, *extra])
    assert out.exit_code == 0, out.output
    last = out.output.strip().splitlines()[-1]
    assert last.startswith("batch "), out.output
    return out.output, int(last.split()[1])


def _state(app) -> dict[str, object]:
    """Everything an import or an undo may change: the issues, their events and every rollup."""
    with app.app_context():
        s = db.session
        state: dict[str, object] = {
            name: sorted(map(tuple, s.execute(text(sql)).all()), key=repr) for name, sql in ROLLUPS.items()
        }
        state["issues"] = s.execute(
            text("""SELECT ref, source, source_id, category, channel, status, resolution, description,
                    reported_at, resolved_at, closed_at, due_at, segment_id, team_id, ST_AsText(geom)
                    FROM issues ORDER BY ref""")
        ).all()
        state["events"] = s.execute(
            text("SELECT issue_id, at, action, from_status, to_status, data FROM issue_events ORDER BY id")
        ).all()
        assert_tile_rollups_exact(s) if state["issue_cells"] else None
        assert_report_rollups_exact(s)
        s.remove()
    return state


def _runner_report(runner, day: str) -> int:
    import json

    out = runner.invoke(args=["report", "--start", day, "--end", day, "--format", "json"])
    assert out.exit_code == 0, out.output
    return int(json.loads(out.output)["issues_collected"])


def test_the_la_import_story(la):
    app, runner, tmp_path = la
    empty = _state(app)
    first = tmp_path / "la311_first.csv"
    _write(first, ROWS[:2])
    out, batch_a = _import(runner, first)
    assert "inserted 2" in out
    after_a = _state(app)

    export = tmp_path / "la311.csv"
    _write(export, ROWS)
    out, batch_b = _import(runner, export)
    assert "inserted 2" in out and "already there 2" in out and batch_b > batch_a
    with app.app_context():
        stored = dict(
            db.session.execute(text("SELECT source_id, reported_at FROM issues WHERE source = 'la311'")).all()
        )
        channels = dict(db.session.execute(text("SELECT source_id, channel FROM issues")).all())
        closed = db.session.execute(
            text("SELECT closed_at, status, resolution FROM issues WHERE source_id = '1-3002'")
        ).one()
        db.session.remove()
    assert {k: v.astimezone(UTC).replace(tzinfo=None).isoformat() for k, v in stored.items()} == {
        r[0]: r[7] for r in ROWS
    }  # naive times are Los Angeles wall-clock times, on both sides of the change to PDT
    assert closed[0].astimezone(UTC).isoformat() == "2024-03-10T11:00:00+00:00" and closed[1:] == ("closed", "team")
    assert channels == {"1-3001": "phone", "1-3002": "web", "1-3003": "phone", "1-3004": "web"}
    assert _runner_report(runner, "2024-03-10") == 2  # 01:30 PST and 03:30 PDT are the same local day
    full = _state(app)

    out, batch_c = _import(runner, export)  # the same file again: nothing added
    assert "inserted 0" in out and "already there 4" in out
    assert _state(app) == full

    # --update: the source closed 1-3003 and corrected a note of 1-3004
    changed = [*ROWS[:2], ("1-3003", "Parking", "03/10/2024 03:30:00 AM", "03/11/2024 09:15:00 AM", "Closed",
                           "Phone", 24, ""), ROWS[3]]  # fmt: skip
    _write(export, changed, notes={"1-3004": "Blocked driveway, silver van"})
    out, batch_d = _import(runner, export, "--update")
    assert "updated 2" in out and "already there 2" in out, out
    with app.app_context():
        got = db.session.execute(
            text("""SELECT status, resolution, closed_at, description, version FROM issues
                    WHERE source_id IN ('1-3003', '1-3004') ORDER BY source_id""")
        ).all()
        actions = db.session.execute(
            text("""SELECT e.action FROM issue_events e JOIN issues i ON i.id = e.issue_id
                    WHERE i.source_id = '1-3003' ORDER BY e.id""")
        ).scalars().all()  # fmt: skip
        db.session.remove()
    assert got[0][:2] == ("closed", "team") and got[0][2].astimezone(UTC).isoformat() == "2024-03-11T16:15:00+00:00"
    assert got[1][3] == "Blocked driveway, silver van" and got[0][4] == got[1][4] == 2
    assert actions == ["report", "import_update", "resolve", "verify", "close"]
    updated = _state(app)
    assert updated != full

    out = runner.invoke(args=["import-batches", "list"])
    assert out.exit_code == 0 and all(str(b) in out.output for b in (batch_a, batch_b, batch_c, batch_d))

    # undo the update: the issues are as they were, and so is every rollup
    out = runner.invoke(args=["import-batches", "undo", str(batch_d)])
    assert out.exit_code == 0 and "2 restored" in out.output, out.output
    restored = _state(app)
    assert restored["issues"] == full["issues"] and {k: v for k, v in restored.items() if k != "events"} == {
        k: v for k, v in full.items() if k != "events"
    }
    assert restored["events"] == full["events"]
    again = runner.invoke(args=["import-batches", "undo", str(batch_d)])
    assert again.exit_code == 2 and "already undone" in again.output

    # staff work on an issue of batch B: undo refuses, names it, and changes nothing
    with app.app_context():
        ref = db.session.execute(text("SELECT ref FROM issues WHERE source_id = '1-3003'")).scalar_one()
        apply_action(db.session, ref, "accept", None, {}, None)
        db.session.commit()
        db.session.remove()
    worked = _state(app)
    out = runner.invoke(args=["import-batches", "undo", str(batch_b)])
    assert out.exit_code == 2 and "later work" in out.output and ref in out.output
    assert _state(app) == worked

    # a re-import with --update leaves the issue staff worked on alone
    out, _ = _import(runner, export, "--update")
    assert "kept (worked on since) 1" in out and "updated 1" in out
    with app.app_context():
        assert db.session.execute(text("SELECT status FROM issues WHERE ref = :r"), {"r": ref}).scalar() == "accepted"
        db.session.remove()

    # --force: batch B goes with the work done on it; batch A's issues and the rollups are as after A
    out = runner.invoke(args=["import-batches", "undo", str(batch_b), "--force"])
    assert out.exit_code == 0 and "2 issues removed" in out.output and "later work" in out.output, out.output
    assert _state(app) == after_a

    out = runner.invoke(args=["import-batches", "undo", str(batch_a)])
    assert out.exit_code == 0, out.output
    assert _state(app) == empty
