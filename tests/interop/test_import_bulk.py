"""The bulk path of import-issues stores what the small path stores, and a failure in it changes nothing."""

import csv

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from geo_app.domain.core import refs as ref_sequences
from geo_app.domain.importers.issues import bulk_ddl, bulk_rollups, csv_import
from geo_app.domain.importers.issues.csv_import import Mapping, import_issues
from geo_app.domain.workflow.intake import IntakeSettings

STATES = ["open", "accepted", "dispatched", "in_progress", "resolved", "verified", "closed", ""]
CATEGORIES = ["illegal_parking", "noise", "cooking_fumes", "obstruction", "ac_dripping"]


def _write_csv(session, path, n=240, seed=4):
    """Issues near segments and fire lanes (blocked access among them), in every state, and some bad rows."""
    rng = np.random.default_rng(seed)
    near = session.execute(
        text("""
        SELECT ST_X(p), ST_Y(p) FROM (
            SELECT ST_LineInterpolatePoint(geom, 0.3) p FROM street_segments
            UNION ALL SELECT ST_LineInterpolatePoint(geom, 0.5) FROM fire_lanes
            UNION ALL SELECT ST_LineInterpolatePoint(geom, 0.0) FROM street_segments) q""")
    ).all()
    visit = session.execute(text("SELECT code FROM visits WHERE code IS NOT NULL LIMIT 1")).scalar()
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "ref",
                "category",
                "lon",
                "lat",
                "reported_at",
                "closed_at",
                "status",
                "resolution",
                "channel",
                "description",
                "address",
                "reporter_name",
                "reporter_phone",
                "visit_code",
            ]
        )
        for k in range(n):
            lon, lat = near[rng.integers(len(near))]
            lon, lat = lon + rng.normal(0, 0.0003), lat + rng.normal(0, 0.0003)
            status = STATES[k % len(STATES)]
            solved = status in ("resolved", "verified", "closed")
            w.writerow(
                [
                    f"BK-2021-{k + 1:05d}" if k % 5 else "",
                    CATEGORIES[k % len(CATEGORIES)],
                    lon,
                    lat,
                    f"2021-0{1 + k % 9}-1{k % 9} 08:30",
                    "2021-10-01 10:00+08:00" if solved else "",
                    status,
                    "on_site" if k % 2 else "",
                    ["web", "phone", "wechat"][k % 3],
                    f"问题 {k}\n第二行",
                    f"地址 {k}" if k % 4 else "",
                    "张三" if k % 3 else "",
                    "138 0000 0000" if k % 6 else "",
                    visit if k % 17 == 0 else "",
                ]
            )
        w.writerow(
            ["BK-2021-99991", "ufo", near[0][0], near[0][1], "2021-03-03", "", "open", "", "", "x", "", "", "", ""]
        )
        w.writerow(["BK-2021-99992", "noise", 116.4, 39.9, "2021-03-03", "", "open", "", "", "x", "", "", "", ""])
        w.writerow(["BK-2021-99993", "noise", near[1][0], near[1][1], "soon", "", "open", "", "", "x", "", "", "", ""])


def _stored(session, refs):
    issues = (
        session.execute(
            text("""
        SELECT ref, category, description, address, ST_AsEWKT(geom) g, ST_AsEWKT(geom_m) gm, segment_id,
               snap_distance_m, team_id, fire_lane_id, channel, reporter_name, reporter_phone, visit_id, priority,
               status, resolution, due_at, reported_at, resolved_at, closed_at, updated_at, version,
               import_batch_id IS NOT NULL AS in_batch, source, source_id
        FROM issues WHERE ref = ANY(:r) ORDER BY ref"""),
            {"r": refs},
        )
        .mappings()
        .all()
    )
    events = session.execute(
        text("""
        SELECT i.ref, e.action, e.at, e.from_status, e.to_status, e.data - 'batch', e.actor_id, e.data ? 'batch'
        FROM issue_events e JOIN issues i ON i.id = e.issue_id WHERE i.ref = ANY(:r) ORDER BY i.ref, e.id"""),
        {"r": refs},
    ).all()
    return [dict(r) for r in issues], [tuple(e) for e in events]


def _run(session, path, bulk_min_rows):
    nested = session.begin_nested()
    result = import_issues(session, path, IntakeSettings(), Mapping(), snap="sql", bulk_min_rows=bulk_min_rows)
    refs = (
        session.execute(
            text(
                "SELECT ref FROM issues WHERE ref LIKE 'BK-%' OR id IN "
                "(SELECT issue_id FROM issue_events WHERE data->>'import' = 'true')"
            )
        )
        .scalars()
        .all()
    )
    stored = _stored(session, refs)
    highest: dict = {}
    for ref in refs:
        prefix, year, number = ref.split("-")
        highest[(prefix, int(year))] = max(highest.get((prefix, int(year)), 0), int(number))
    last = ref_sequences.last_numbers(session)
    counters = {key: last.get(key, 0) >= n for key, n in highest.items()}  # every sequence above what is stored
    definitions = bulk_ddl.definitions(session)
    nested.rollback()
    return result, _rank_generated_refs(*stored), counters, definitions


def _rank_generated_refs(issues, events):
    """Replace the references the import generated by their rank: a sequence's numbers are not rolled back,
    so each run takes new ones."""
    generated = sorted(i["ref"] for i in issues if not i["ref"].startswith("BK-"))
    rank = {ref: f"{ref[:8]}#{k:04d}" for k, ref in enumerate(generated)}
    for issue in issues:
        issue["ref"] = rank.get(issue["ref"], issue["ref"])
    events = [(rank.get(e[0], e[0]), *e[1:]) for e in events]
    return sorted(issues, key=lambda i: i["ref"]), events


def test_bulk_path_stores_what_the_small_path_stores(session, tmp_path):
    path = tmp_path / "bulk.csv"
    _write_csv(session, path)
    before = bulk_ddl.definitions(session)
    small, (s_issues, s_events), s_counters, _ = _run(session, path, None)
    bulk, (b_issues, b_events), b_counters, after = _run(session, path, 0)
    assert (small.bulk, bulk.bulk) == (False, True)
    assert small.inserted == bulk.inserted == 240 and small.linked == bulk.linked > 150
    assert [(e.line, e.field, e.message) for e in small.rejected] == [
        (e.line, e.field, e.message) for e in bulk.rejected
    ]
    assert {e.field for e in bulk.rejected} == {"category", "lon", "reported_at"}
    for s, b in zip(s_issues, b_issues, strict=True):
        assert s.pop("snap_distance_m") == pytest.approx(b.pop("snap_distance_m"), abs=1e-6)
        assert s == b
    assert sum(1 for b in b_issues if b["fire_lane_id"] is not None and b["priority"] == 1) > 5
    assert {b["status"] for b in b_issues} >= {
        "reported",
        "accepted",
        "dispatched",
        "in_progress",
        "resolved",
        "verified",
        "closed",
    }
    assert s_events == b_events and len(b_events) > 500
    assert s_counters == b_counters and all(s_counters.values()) and ("BK", 2021) in s_counters
    assert after == before  # indexes, keys and foreign keys rebuilt exactly, and validated


def test_a_failure_late_in_the_bulk_path_leaves_everything_as_it_was(session, tmp_path):
    path = tmp_path / "bulk.csv"
    _write_csv(session, path, n=60)
    # an orphan event (written with triggers off, as a broken restore would) makes the last step fail:
    # re-validating issue_events' foreign key after the load
    session.execute(text("SET LOCAL session_replication_role = replica"))
    session.execute(text("INSERT INTO issue_events (issue_id, action, to_status) VALUES (-1, 'report', 'reported')"))
    session.execute(text("SET LOCAL session_replication_role = origin"))
    counts = "SELECT (SELECT count(*) FROM issues), (SELECT count(*) FROM issue_events)"
    before, definitions = session.execute(text(counts)).one(), bulk_ddl.definitions(session)
    nested = session.begin_nested()
    with pytest.raises(IntegrityError, match="fk_issue_events_issue_id_issues"):
        import_issues(session, path, IntakeSettings(), Mapping(), bulk_min_rows=0)
    nested.rollback()
    assert session.execute(text(counts)).one() == before
    assert bulk_ddl.definitions(session) == definitions
    assert session.execute(text("SELECT count(*) FROM issues WHERE ref LIKE 'BK-%'")).scalar() == 0


def _broken(*args):
    raise RuntimeError("broken on purpose")


@pytest.mark.parametrize("where", ["events", "rollup deltas", "issues' COPY"])
def test_a_failure_in_any_step_of_the_bulk_path_changes_nothing(session, tmp_path, monkeypatch, where):
    # events and rollup deltas are built in a worker thread while the server loads the issues (their errors
    # must surface); the issues' COPY runs with the rollup triggers suspended (the rollback must restore them)
    path = tmp_path / "bulk.csv"
    _write_csv(session, path, n=40)
    counts = "SELECT (SELECT count(*) FROM issues), (SELECT count(*) FROM issue_events)"
    rollups = (
        "SELECT (SELECT array_agg(c ORDER BY c::text) FROM issue_cells c), "
        "(SELECT array_agg(r ORDER BY r::text) FROM report_cohorts r)"
    )
    before, definitions = session.execute(text(counts)).one(), bulk_ddl.definitions(session)
    rolled_up = session.execute(text(rollups)).one()
    if where == "events":
        monkeypatch.setattr(csv_import, "event_columns", _broken)
    elif where == "rollup deltas":
        monkeypatch.setattr(bulk_rollups, "deltas", _broken)
    else:
        copy = csv_import.copy_encoded

        def copy_but_issues(session, table, *args, **kwargs):
            return _broken() if table == "issues" else copy(session, table, *args, **kwargs)

        monkeypatch.setattr(csv_import, "copy_encoded", copy_but_issues)
    nested = session.begin_nested()
    with pytest.raises(RuntimeError, match="broken on purpose"):
        import_issues(session, path, IntakeSettings(), Mapping(), bulk_min_rows=0)
    nested.rollback()
    assert session.execute(text(counts)).one() == before
    assert bulk_ddl.definitions(session) == definitions  # the triggers enabled again among them
    assert session.execute(text(rollups)).one() == rolled_up


def test_cli_bulk_option(runner, session, tmp_path):
    path = tmp_path / "bulk.csv"
    _write_csv(session, path, n=30)
    out = runner.invoke(args=["import-issues", str(path), "--bulk", "always", "--no-progress"])
    assert out.exit_code == 0, out.output
    assert "inserted 30" in out.output and "(bulk, linked memory" in out.output
    again = runner.invoke(args=["import-issues", str(path), "--bulk", "never", "--no-progress"])
    assert "inserted 6" in again.output and "already there 24" in again.output  # rows without a ref are new
    assert "LOCKED" in runner.invoke(args=["import-issues", "--help"]).output


def test_existing_refs_found_by_probe_or_by_reading_the_table(session):
    from geo_app.domain.importers.issues.csv_import import ImportResult, _split_existing

    session.execute(text("ANALYZE issues"))
    stored = session.execute(text("SELECT ref FROM issues ORDER BY id LIMIT 3")).scalars().all()
    small = pd.DataFrame({"ref": [*stored, "ZZ-2021-00001", ""]})  # fewer refs than rows stored: probe
    big = pd.DataFrame({"ref": [*stored] + [f"ZZ-2021-{k:05d}" for k in range(1, 2000)]})  # more: read the table
    for rows, kept in ((small, ["ZZ-2021-00001", ""]), (big, [f"ZZ-2021-{k:05d}" for k in range(1, 2000)])):
        result = ImportResult()
        new, existing = _split_existing(session, rows, None, result)
        assert new["ref"].tolist() == kept and result.skipped_existing == 3
        assert existing["ref"].tolist() == stored and existing["issue_id"].notna().all()


@pytest.mark.parametrize("busy", ["issues", "users"])  # the issue tables, or one their foreign keys join
def test_bulk_path_gives_up_when_the_tables_stay_busy(app, session, tmp_path, monkeypatch, busy):
    import psycopg

    from geo_app.domain.errors import DomainError

    path = tmp_path / "bulk.csv"
    _write_csv(session, path, n=10)
    monkeypatch.setattr(bulk_ddl, "LOCK_TIMEOUT", "300ms")
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as reader:  # someone reading in a long transaction
        reader.execute(f"SELECT count(*) FROM {busy}").fetchone()
        nested = session.begin_nested()
        with pytest.raises(DomainError, match="in use"):
            import_issues(session, path, IntakeSettings(), Mapping(), bulk_min_rows=0)
        nested.rollback()
    assert session.execute(text("SELECT count(*) FROM issues WHERE ref LIKE 'BK-%'")).scalar() == 0
