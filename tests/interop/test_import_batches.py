"""Undoing an import batch, on the demo's data: both write paths (row triggers, and the bulk path's own rollup
deltas) are taken back exactly, so every rollup is what it was and equals a recount."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from geo_app.domain.errors import DomainError
from geo_app.domain.importers.issues import batches
from geo_app.domain.importers.issues.csv_import import Mapping, import_issues
from geo_app.domain.workflow.intake import IntakeSettings
from tests.analysis.test_report_rollups import assert_rollups_exact as assert_report_rollups_exact
from tests.interop.test_import_bulk import _write_csv
from tests.maps.test_tile_rollups import assert_rollups_exact as assert_tile_rollups_exact

ROLLUPS = {
    "issue_cells": "SELECT level, cx, cy, category, status, n, sx, sy FROM issue_cells",
    "issue_segment_counts": "SELECT segment_id, n FROM issue_segment_counts",
    "public_cells": "SELECT level, cx, cy, category, n, sx, sy FROM public_cells",
    "report_cohorts": "SELECT * FROM report_cohorts WHERE n <> 0",
    "report_segment_years": "SELECT * FROM report_segment_years WHERE n <> 0",
    "report_resolve_hist": "SELECT * FROM report_resolve_hist WHERE n <> 0",
    "issues": "SELECT id, ref, status, version FROM issues",
    "events": "SELECT id, issue_id, action FROM issue_events",
    "dispatches": "SELECT id, issue_id FROM dispatches",
}


def _with_ids(session, path, n=240):
    """The bulk test's file with a source id on every row (some rows have no ref: only a source id finds them)."""
    _write_csv(session, path, n=n)
    frame = pd.read_csv(path, dtype=object, keep_default_na=False)
    frame.insert(0, "sid", [f"S{k}" for k in range(len(frame))])
    frame.to_csv(path, index=False)
    return Mapping(source_column="sid")


def _snapshot(session):
    return {name: sorted(map(tuple, session.execute(text(sql)).all()), key=repr) for name, sql in ROLLUPS.items()}


@pytest.mark.parametrize("bulk_min_rows", [None, 0], ids=["small", "bulk"])
def test_undo_takes_an_import_back_exactly(session, tmp_path, bulk_min_rows):
    path = tmp_path / "batch.csv"
    mapping = _with_ids(session, path)
    before = _snapshot(session)
    result = import_issues(session, path, IntakeSettings(), mapping, bulk_min_rows=bulk_min_rows, source="bk")
    assert result.inserted == 240 and result.bulk == (bulk_min_rows == 0)
    assert_tile_rollups_exact(session)
    assert_report_rollups_exact(session)
    again = import_issues(session, path, IntakeSettings(), mapping, bulk_min_rows=bulk_min_rows, source="bk")
    assert again.inserted == 0 and again.skipped_existing == 240 and again.batch_id > result.batch_id
    done = batches.undo(session, result.batch_id)
    assert done.deleted == 240 and done.later_work == 0
    assert _snapshot(session) == before
    assert_tile_rollups_exact(session)
    assert_report_rollups_exact(session)
    assert session.execute(
        text("SELECT bool_and(tgenabled = 'O') FROM pg_trigger WHERE tgname = 'issue_events_append_only'")
    ).scalar()  # history is append-only again
    with pytest.raises(DomainError, match="already undone"):
        batches.undo(session, result.batch_id)


def test_later_work_blocks_undo_until_forced(session, tmp_path):
    path = tmp_path / "batch.csv"
    mapping = _with_ids(session, path, n=30)
    before = _snapshot(session)
    result = import_issues(session, path, IntakeSettings(), mapping, source="bk")
    ref, issue_id = session.execute(
        text("SELECT ref, id FROM issues WHERE import_batch_id = :b AND status = 'accepted' LIMIT 1"),
        {"b": result.batch_id},
    ).one()
    department = session.execute(text("SELECT id FROM departments ORDER BY id LIMIT 1")).scalar()
    session.execute(
        text("INSERT INTO dispatches (issue_id, department_id) VALUES (:i, :d)"), {"i": issue_id, "d": department}
    )  # a department summoned since (its event aside: the dispatch alone counts as later work)
    with pytest.raises(DomainError, match=f"later work touched 1 .*{ref}") as refused:
        batches.undo(session, result.batch_id)
    assert refused.value.http_status == 409
    done = batches.undo(session, result.batch_id, force=True)
    assert done.later_work == 1 and _snapshot(session) == before


def test_every_table_that_points_at_issues_is_cleared_by_undo(session):
    """A new table with a foreign key to issues must be taught to undo (DEPENDANTS), or a forced undo fails."""
    found = set(
        session.execute(
            text("""
        SELECT c.conrelid::regclass::text || '.' || a.attname FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.confrelid = 'issues'::regclass""")
        ).scalars()
    )
    handled = {f"{t}.{c}" for t, c in batches.DEPENDANTS}
    handled |= {"issue_events.issue_id", "import_batch_updates.issue_id", "issues.duplicate_of_id"}
    assert found == handled
