"""Import batches: every `import-issues` run is one, listed and undone as a whole.

Undoing a batch deletes the issues it created (with their events) and puts back the columns of the issues
it updated (its own events removed), so every rollup follows through the row triggers on `issues`. When
later work touched those issues (an event that is not the batch's own, a dispatch, a photo…), undo refuses,
unless forced: then that work goes too. Event tables are append-only; the undo alone lifts that rule, for
its own transaction, as the tables' owner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.errors import Conflict, NotFound, ValidationError

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

    from geo_app.domain.importers.issues.csv_import import ImportResult

SOURCE_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")
# Tables whose rows belong to an issue, in an order that deletes a row before what it points at (photos
# point at dispatches). tests/interop/test_import_batches.py checks that every foreign key to issues is here.
DEPENDANTS = (("photos", "issue_id"), ("site_visit_issues", "issue_id"), ("dispatches", "issue_id"))
# What an update changes, and how `import_batch_updates.before` stores it (SQL type to read it back with)
UPDATED = (
    ("category", "text"),
    ("description", "text"),
    ("address", "text"),
    ("channel", "text"),
    ("reporter_name", "text"),
    ("reporter_phone", "text"),
    ("visit_id", "bigint"),
    ("reported_at", "timestamptz"),
    ("due_at", "timestamptz"),
    ("status", "text"),
    ("resolution", "text"),
    ("resolved_at", "timestamptz"),
    ("closed_at", "timestamptz"),
    ("segment_id", "bigint"),
    ("snap_distance_m", "float8"),
    ("team_id", "bigint"),
    ("fire_lane_id", "bigint"),
    ("priority", "smallint"),
    ("updated_at", "timestamptz"),
)


def check_source(source: str) -> str:
    """Return `source` if it is a usable source name, else raise naming the field."""
    if not SOURCE_RE.match(source):
        raise ValidationError("source: 1-80 letters, digits or _ . : -", "source")
    return source


def start(session: Session, file_name: str, source: str | None, id_column: str | None) -> int:
    """Record a new batch and return its id."""
    if source is not None:
        check_source(source)
    return int(
        session.execute(
            text("INSERT INTO import_batches (source, id_column, file_name) VALUES (:s, :c, :f) RETURNING id"),
            {"s": source, "c": id_column, "f": file_name[:500]},
        ).scalar_one()
    )


def finish(session: Session, result: ImportResult) -> None:
    """Store the batch's counts."""
    session.execute(
        text("""UPDATE import_batches SET read = :r, inserted = :i, updated = :u, skipped = :s, rejected = :x
                WHERE id = :b"""),
        {
            "r": result.read,
            "i": result.inserted,
            "u": result.updated,
            "s": result.skipped_existing,
            "x": len(result.rejected),
            "b": result.batch_id,
        },
    )


def snapshot_sql() -> str:
    """The SQL of an issue's updatable columns as one jsonb value (`i` is the issue), for `before`."""
    pairs = ", ".join(f"'{name}', i.{name}" for name, _ in UPDATED)
    return f"jsonb_build_object({pairs}, 'geom', encode(ST_AsEWKB(i.geom), 'hex'))"


def list_batches(session: Session, limit: int = 100) -> list[dict[str, Any]]:
    """Return the latest batches, newest first, with what each still holds."""
    rows = session.execute(
        text("""
        SELECT b.*, (SELECT count(*) FROM issues i WHERE i.import_batch_id = b.id) AS holds
        FROM import_batches b ORDER BY b.id DESC LIMIT :n"""),
        {"n": limit},
    ).mappings()
    return [dict(r) for r in rows]


@dataclass
class Undone:
    batch_id: int
    deleted: int
    restored: int
    later_work: int  # events and rows of later work removed (only with force)


def undo(session: Session, batch_id: int, force: bool = False) -> Undone:
    """Undo a batch (see the module's docstring); the caller commits."""
    batch = (
        session.execute(text("SELECT id, undone_at FROM import_batches WHERE id = :b FOR UPDATE"), {"b": batch_id})
        .mappings()
        .first()
    )
    if batch is None:
        raise NotFound(f"batch: no import batch {batch_id}", "batch")
    if batch["undone_at"] is not None:
        raise Conflict(f"batch: batch {batch_id} was already undone", "batch")
    p = {"b": batch_id}
    session.execute(text("DROP TABLE IF EXISTS undo_new, undo_upd"))  # left by a refused undo in this transaction
    new = "SELECT id FROM issues WHERE import_batch_id = :b"
    session.execute(text(f"CREATE TEMP TABLE undo_new ON COMMIT DROP AS {new}"), p)
    updated = "SELECT issue_id AS id FROM import_batch_updates WHERE batch_id = :b"
    session.execute(text(f"CREATE TEMP TABLE undo_upd ON COMMIT DROP AS {updated}"), p)
    session.execute(text("ANALYZE undo_new; ANALYZE undo_upd"))
    merged = (
        session.execute(
            text("""SELECT d.ref FROM issues d JOIN undo_new n ON n.id = d.duplicate_of_id
                    WHERE d.import_batch_id IS DISTINCT FROM :b LIMIT 5"""),
            p,
        )
        .scalars()
        .all()
    )
    if merged:
        raise Conflict(
            f"batch: issues were merged into issues of this batch ({', '.join(merged)}); reopen them first", "batch"
        )
    later, refs = _later_work(session, batch_id)
    if later and not force:
        raise Conflict(
            f"batch: later work touched {later} of its issues (e.g. {', '.join(refs)}); "
            "undo with --force to remove that work too",
            "batch",
            code="later_work",
        )
    own = "(e.data->>'batch') IS NOT DISTINCT FROM CAST(:b AS text)"
    since = f"""e.id > (SELECT min(e2.id) FROM issue_events e2 WHERE e2.issue_id = e.issue_id
                       AND {own.replace("e.data", "e2.data")})"""
    removed = 0
    session.execute(text("ALTER TABLE issue_events DISABLE TRIGGER issue_events_append_only"))
    for table, column in DEPENDANTS:  # nothing to delete here unless forced: later work
        removed += _count(session, f"DELETE FROM {table} WHERE {column} IN (SELECT id FROM undo_new)", p)
    removed += _count(session, f"DELETE FROM issue_events e USING undo_new n WHERE e.issue_id = n.id AND NOT {own}", p)
    session.execute(text("DELETE FROM issue_events e USING undo_new n WHERE e.issue_id = n.id"))
    # on updated issues, the events since the update explain columns that are about to be put back
    removed += _count(
        session, f"DELETE FROM issue_events e USING undo_upd u WHERE e.issue_id = u.id AND NOT {own} AND {since}", p
    )
    _count(session, f"DELETE FROM issue_events e USING undo_upd u WHERE e.issue_id = u.id AND {own}", p)
    session.execute(text("ALTER TABLE issue_events ENABLE TRIGGER issue_events_append_only"))
    deleted = _count(session, "DELETE FROM issues WHERE id IN (SELECT id FROM undo_new)", p)
    sets = ", ".join(f"{name} = CAST(u.before->>'{name}' AS {kind})" for name, kind in UPDATED)
    restored = _count(
        session,
        f"""UPDATE issues i SET {sets}, geom = ST_GeomFromEWKB(decode(u.before->>'geom', 'hex')),
            version = i.version + 1 FROM import_batch_updates u WHERE u.batch_id = :b AND u.issue_id = i.id""",
        p,
    )
    session.execute(
        text("UPDATE import_batches SET undone_at = now(), undo_forced = :f WHERE id = :b"), {**p, "f": bool(later)}
    )
    session.execute(text("DROP TABLE undo_new, undo_upd"))
    return Undone(batch_id, deleted, restored, removed)


def _count(session: Session, sql: str, params: dict[str, Any]) -> int:
    """Run a DELETE or UPDATE and return how many rows it touched."""
    return int(cast("CursorResult[Any]", session.execute(text(sql), params)).rowcount)


def _later_work(session: Session, batch_id: int) -> tuple[int, list[str]]:
    """Return how many of the batch's issues later work touched, and a few of their refs."""
    dependants = " UNION ".join(f"SELECT {column} FROM {table}" for table, column in DEPENDANTS)
    row = session.execute(
        text(f"""
        WITH touched AS (
            SELECT n.id FROM undo_new n WHERE EXISTS (
                SELECT 1 FROM issue_events e WHERE e.issue_id = n.id
                  AND (e.data->>'batch') IS DISTINCT FROM CAST(:b AS text))
              OR n.id IN ({dependants})
            UNION
            SELECT u.id FROM undo_upd u WHERE EXISTS (
                SELECT 1 FROM issue_events e WHERE e.issue_id = u.id
                  AND (e.data->>'batch') IS DISTINCT FROM CAST(:b AS text)
                  AND e.id > (SELECT min(o.id) FROM issue_events o
                              WHERE o.issue_id = u.id AND o.data->>'batch' = CAST(:b AS text))))
        SELECT count(*), (SELECT array_agg(ref ORDER BY ref) FROM (
            SELECT i.ref FROM issues i JOIN touched t USING (id) ORDER BY i.ref LIMIT 5) r)
        FROM touched"""),
        {"b": batch_id},
    ).one()
    return int(row[0]), list(row[1] or [])
