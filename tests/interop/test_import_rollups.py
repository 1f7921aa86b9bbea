"""The bulk import computes the rollups' deltas itself (its insert triggers suspended): every rollup is then
what the triggers would have made, a recount of the issues, and the triggers are back on."""

import csv

import numpy as np
from sqlalchemy import text

from geo_app.domain.importers.issues import bulk_rollups
from geo_app.domain.importers.issues.csv_import import import_issues
from geo_app.domain.workflow.intake import IntakeSettings
from tests.analysis.test_report_rollups import assert_rollups_exact as assert_report_rollups_exact
from tests.interop.test_import_bulk import _write_csv
from tests.maps.test_month_rollups import assert_month_rollups_exact
from tests.maps.test_tile_rollups import assert_rollups_exact as assert_tile_rollups_exact

# (reported, closed): hours to resolve exactly on the report's bucket edges (0, 0.25 h, 0.25 × 1.05 h) and a
# second either side; local month ends (Asia/Shanghai) a second either side of midnight
EDGE_TIMES = [
    ("2021-05-03T08:00:00+08:00", "2021-05-03T08:00:00+08:00"),
    ("2021-05-03T08:00:00+08:00", "2021-05-03T08:15:00+08:00"),
    ("2021-05-03T08:00:00+08:00", "2021-05-03T08:15:45+08:00"),
    ("2021-05-03T08:00:00+08:00", "2021-05-03T08:14:59+08:00"),
    ("2021-05-03T08:00:00+08:00", "2021-05-03T08:15:46+08:00"),
    ("2021-01-31T15:59:59Z", "2021-02-01T00:00:00Z"),
    ("2021-01-31T16:00:00Z", "2021-02-01T00:00:00Z"),
    ("2021-12-31T23:59:59+08:00", "2022-01-01T00:00:01+08:00"),
]


def _with_edge_rows(session, path):
    _write_csv(session, path)
    lon, lat = session.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(geom, 0.4) p "
            "FROM street_segments ORDER BY id LIMIT 1) q"
        )
    ).one()
    with open(path, "a", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        for k, (opened, closed) in enumerate(EDGE_TIMES):
            w.writerow(
                [
                    f"BE-2021-{k + 1:05d}",
                    "noise",
                    lon,
                    lat,
                    opened,
                    closed,
                    "closed",
                    "team",
                    "web",
                    "edge",
                    "",
                    "",
                    "",
                    "",
                ]
            )


def test_bulk_import_rollups_equal_a_recount_and_the_triggers_are_back(session, tmp_path):
    path = tmp_path / "edges.csv"
    _with_edge_rows(session, path)
    before = session.execute(text("SELECT count(*) FROM issue_cells")).scalar()
    assert before  # the demo's: the deltas are merged into existing rows
    result = import_issues(session, path, IntakeSettings(), bulk_min_rows=0)
    assert result.bulk and result.inserted == 240 + len(EDGE_TIMES) and "rollups" in result.seconds
    assert_tile_rollups_exact(session)
    assert_report_rollups_exact(session)
    assert_month_rollups_exact(session)  # the month rollups' deltas, computed in memory too
    buckets = (
        session.execute(
            text("""
        SELECT width_bucket((extract(epoch FROM resolved_at - reported_at) / 3600.0)::float8, report_hour_edges())
        FROM issues WHERE ref LIKE 'BE-%' ORDER BY ref""")
        )
        .scalars()
        .all()
    )
    assert buckets[:5] == [1, 2, 3, 1, 3]  # the edges themselves were among the rows
    assert session.execute(
        text("SELECT bool_and(tgenabled = 'O') FROM pg_trigger WHERE tgname = ANY(:t)"),
        {"t": list(bulk_rollups.INSERT_TRIGGERS)},
    ).scalar()
    session.execute(
        text(
            "UPDATE issues SET status = 'closed', resolution = 'team', resolved_at = now(), "
            "closed_at = now() WHERE ref LIKE 'BK-%' AND status = 'reported'"
        )
    )
    session.execute(
        text("""INSERT INTO issues (ref, category, description, geom, channel)
                            SELECT 'BE-2021-99999', 'noise', 'after', geom, 'web' FROM issues
                            WHERE ref = 'BE-2021-00001'""")
    )
    assert_tile_rollups_exact(session)  # later writes are counted by the triggers again
    assert_report_rollups_exact(session)
    assert_month_rollups_exact(session)


def test_the_bulk_import_stands_in_for_every_rollup_insert_trigger(session):
    """A new trigger on issues' inserts would go unrun by the bulk import unless it is taught its work too."""
    found = (
        session.execute(
            text("""
        SELECT tgname FROM pg_trigger WHERE tgrelid = 'issues'::regclass AND NOT tgisinternal
          AND tgtype & 4 = 4 AND tgname NOT LIKE 'RI_%' ORDER BY 1""")
        )
        .scalars()
        .all()
    )  # 4: INSERT
    assert tuple(found) == tuple(sorted(bulk_rollups.INSERT_TRIGGERS))


def test_midpoints_by_probe_and_by_scan_agree(session):
    """A few segments are probed by id, a large share read in one scan: the same midpoints either way."""
    ids = session.execute(text("SELECT id FROM street_segments ORDER BY id")).scalars().all()
    every = bulk_rollups.midpoints(session, np.array(ids[:3]), scan=True)
    few = bulk_rollups.midpoints(session, np.array(ids[:3]))  # probed: a few of them
    assert len(every) == len(ids) and list(few.index) == ids[:3]
    assert few.equals(every.loc[ids[:3]])
    assert tuple(every.loc[ids[0]]) == tuple(
        session.execute(
            text(
                "SELECT merc_x_cm(ST_X(p)), merc_y_cm(ST_Y(p)) FROM (SELECT ST_LineInterpolatePoint(geom, 0.5) p "
                "FROM street_segments WHERE id = :i) q"
            ),
            {"i": ids[0]},
        ).one()
    )


def test_deltas_of_unlinked_open_issues_leave_the_segment_rollups_alone():
    """No linked, no solved row: the per-segment, public and resolve-time deltas are empty (nothing to add)."""
    import pandas as pd

    times = pd.Series(pd.to_datetime(["2021-03-01T08:00:00+08:00", "2021-03-31T23:00:00+08:00"], utc=True))
    stored = {
        "category": pd.Categorical(["noise", "noise"]),
        "status": pd.Categorical(["reported", "accepted"]),
        "resolution": pd.Categorical([None, None]),
        "segment_id": pd.Series([None, None], dtype="Int64"),
        "team_id": pd.Series([None, None], dtype="Int64"),
        "reported_at": times,
        "resolved_at": pd.Series(pd.NaT, index=times.index, dtype=times.dtype),
    }
    inputs = bulk_rollups.Inputs(pd.DataFrame({"mx": [], "my": []}, dtype=np.int64), np.array([0.0, 0.25]))
    found = {
        d.table: d for d in bulk_rollups.deltas(stored, np.array([111.28, 111.29]), np.array([23.48, 23.49]), inputs)
    }
    sizes = {table: len(d.columns[0][2]) for table, d in found.items()}
    assert sizes["issue_segment_counts"] == sizes["public_cells"] == sizes["report_resolve_hist"] == 0
    assert sizes["report_segment_years"] == 0
    assert sizes["issue_cells"] == 3 * 2 and sizes["report_cohorts"] == 2  # two statuses, at 3 levels / in March
    cohort = dict(
        zip(
            [c[0] for c in found["report_cohorts"].columns],
            [c[2] for c in found["report_cohorts"].columns],
            strict=False,
        )
    )
    assert list(pd.Series(cohort["n"])) == [1, 1] and pd.Series(cohort["team_id"]).isna().all()
