"""`import-issues --update`: rows already imported bring their source's newer values.

Set-based: the rows go into a temporary table with one COPY, and one UPDATE changes the issues whose values
differ. Each changed issue keeps its columns from before (`import_batch_updates`, for undo) and gets an
`import_update` event naming the fields, plus the events that explain a new state at the file's times (as
the first import logs them). Issues that staff have worked on since (any event that is not an import's)
are left as they are and counted: the file does not overwrite the work done here. The row triggers of
`issues` keep every rollup exact.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.analysis import fire_lanes
from geo_app.domain.core import snapping
from geo_app.domain.importers.issues import batches
from geo_app.domain.importers.issues.events import log_events
from geo_app.domain.importers.issues.write import copy_columns, ewkb_points
from geo_app.domain.workflow.intake import IntakeSettings
from geo_app.vocab import SOLVED_STATUSES, sql_in

# (column, COPY kind) of the temporary table, as the file gives them
_FILE = ("category", "description", "address", "channel", "reporter_name", "reporter_phone")
_COMPARED = _FILE + ("visit_id", "reported_at", "due_at", "status", "resolution", "closed_at", "geom")


def apply(session: Session, rows: pd.DataFrame, settings: IntakeSettings, batch: int) -> tuple[int, int]:
    """Update the stored issues of `rows` (with `issue_id`) where the file differs; return (updated, kept)."""
    session.execute(
        text("""CREATE TEMP TABLE import_upd (id bigint PRIMARY KEY, category text, description text, address text,
                channel text, reporter_name text, reporter_phone text, visit_id int4, reported_at timestamptz,
                due_at timestamptz, status text, resolution text, closed_at timestamptz, geom geometry)
                ON COMMIT DROP""")
    )

    def blank_none(name: str) -> object:
        values = rows[name].to_numpy(dtype=object).copy()
        values[values == ""] = None
        return values

    copy_columns(
        session,
        "import_upd",
        [
            ("id", "int8", rows["issue_id"].to_numpy()),
            *((name, "text", blank_none(name) if name != "description" else rows[name].to_numpy(dtype=object))
              for name in _FILE),
            ("visit_id", "int4", rows["visit_id"]),
            ("reported_at", "timestamptz", rows["reported_at"]),
            ("due_at", "timestamptz", rows["due_at"]),
            ("status", "text", rows["status"].to_numpy(dtype=object)),
            ("resolution", "text", blank_none("resolution")),
            ("closed_at", "timestamptz", rows["closed_at"]),
            ("geom", "raw", ewkb_points(rows)),
        ],
    )  # fmt: skip
    differs = " OR ".join(f"i.{c} IS DISTINCT FROM u.{c}" for c in _COMPARED if c != "closed_at")
    solved = sql_in("u.status", SOLVED_STATUSES)
    # the stored closed_at is the file's closed_at only for closed issues (as the import writes it)
    differs += (
        " OR i.closed_at IS DISTINCT FROM CASE WHEN u.status = 'closed' THEN coalesce(u.closed_at, u.reported_at) END"
    )
    fields = ", ".join(f"CASE WHEN i.{c} IS DISTINCT FROM u.{c} THEN '{c}' END" for c in _COMPARED)
    session.execute(
        text(f"""CREATE TEMP TABLE import_changed ON COMMIT DROP AS
                 SELECT u.id, i.status AS old_status, NOT ST_Equals(i.geom, u.geom) AS moved,
                        i.status IS DISTINCT FROM u.status AS new_state,
                        array_remove(ARRAY[{fields}], NULL) AS fields,
                        EXISTS (SELECT 1 FROM issue_events e
                                WHERE e.issue_id = i.id AND NOT e.data ? 'import') AS worked
                 FROM import_upd u JOIN issues i ON i.id = u.id WHERE {differs}""")
    )
    kept = int(session.execute(text("SELECT count(*) FROM import_changed WHERE worked")).scalar_one())
    session.execute(text("DELETE FROM import_changed WHERE worked"))
    session.execute(
        text(f"""INSERT INTO import_batch_updates (batch_id, issue_id, before)
                 SELECT :b, i.id, {batches.snapshot_sql()} FROM issues i JOIN import_changed c ON c.id = i.id"""),
        {"b": batch},
    )
    updated = int(
        session.execute(
            text(f"""UPDATE issues i SET category = u.category, description = u.description, address = u.address,
                     channel = u.channel, reporter_name = u.reporter_name, reporter_phone = u.reporter_phone,
                     visit_id = u.visit_id, reported_at = u.reported_at, due_at = u.due_at, status = u.status,
                     resolution = CASE WHEN {solved} THEN u.resolution END,
                     resolved_at = CASE WHEN {solved} THEN coalesce(u.closed_at, u.reported_at) END,
                     closed_at = CASE WHEN u.status = 'closed' THEN coalesce(u.closed_at, u.reported_at) END,
                     geom = u.geom, updated_at = now(), version = i.version + 1,
                     segment_id = CASE WHEN c.moved THEN NULL ELSE i.segment_id END,
                     snap_distance_m = CASE WHEN c.moved THEN NULL ELSE i.snap_distance_m END,
                     team_id = CASE WHEN c.moved THEN NULL ELSE i.team_id END,
                     fire_lane_id = CASE WHEN c.moved THEN NULL ELSE i.fire_lane_id END
                     FROM import_upd u JOIN import_changed c ON c.id = u.id WHERE i.id = u.id""")
        ).rowcount  # type: ignore[attr-defined]
    )
    if not updated:
        session.execute(text("DROP TABLE import_upd, import_changed"))
        return 0, kept
    moved = "SELECT id FROM import_changed WHERE moved"
    snapping.snap_issues_in_bulk(session, settings.snap_max_m, moved)
    fire_lanes.link_issues_in(session, settings.fire_lane_link_m, moved)
    session.execute(
        text("""INSERT INTO issue_events (issue_id, at, action, from_status, to_status, data)
                SELECT c.id, now(), 'import_update', c.old_status, CASE WHEN c.new_state THEN i.status END,
                       jsonb_build_object('import', true, 'batch', CAST(:b AS bigint), 'fields', to_jsonb(c.fields))
                FROM import_changed c JOIN issues i ON i.id = c.id ORDER BY c.id"""),
        {"b": batch},
    )
    restate = "SELECT id FROM import_changed WHERE new_state"
    session.execute(text(f"CREATE TEMP TABLE import_restate ON COMMIT DROP AS {restate}"))
    log_events(session, batch, "import_restate", report=False)
    session.execute(text("DROP TABLE import_upd, import_changed, import_restate"))
    return updated, kept
