"""Bulk import of issues from CSV: validate every row (as columns), link to segments, write with COPY.

Accepted rows go in together (one transaction, committed by the caller) or not at all; every rejected
row is reported with its line, field and reason. Rows whose `ref` already exists are skipped, so
re-running is harmless. Linking: in memory with an STR-tree for large files (measured faster, see
bench/ingest.py), one set-based UPDATE for small ones.
"""
from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...models import METRIC_SRID
from .. import fire_lanes, refs, snapping
from ..intake import IntakeSettings
from ..snapping_memory import nearest_ids
from .issues_rows import Context, Mapping, RowError, read_frame, validate

MEMORY_SNAP_MIN = 2_000     # below this the set-based UPDATE is as fast and needs no segment load
BULK_MIN = 50_000           # from here (and more rows than the table holds) indexes are rebuilt, not maintained
COLUMNS = ("id", "ref", "category", "description", "address", "geom", "channel", "reporter_name", "reporter_phone",
           "visit_id", "reported_at", "updated_at", "due_at", "status", "resolution", "resolved_at", "closed_at",
           "segment_id", "snap_distance_m", "team_id", "priority", "version")
__all__ = ["ImportResult", "Mapping", "RowError", "import_issues"]


@dataclass
class ImportResult:
    read: int = 0
    inserted: int = 0
    skipped_existing: int = 0
    linked: int = 0
    rejected: list[RowError] = field(default_factory=list)
    snap_method: str = ""
    seconds: dict[str, float] = field(default_factory=dict)


def _context(session: Session) -> Context:
    categories = frozenset(session.execute(text("SELECT code FROM categories")).scalars())
    visits = dict(session.execute(text("SELECT code, id FROM visits WHERE code IS NOT NULL")).all())
    wkb = session.execute(text("SELECT ST_AsBinary(ST_Union(geom)) FROM admin_areas")).scalar()
    area = shapely.from_wkb(bytes(wkb)) if wkb else None
    if area is not None:
        shapely.prepare(area)
    return Context(categories, visits, area)


def import_issues(session: Session, path: Path, settings: IntakeSettings, mapping: Mapping | None = None,
                  progress=None, snap: str = "auto") -> ImportResult:
    """Import the issues of a CSV file; the caller commits (or rolls back) the session."""
    result, clock = ImportResult(), _Clock()
    frame = read_frame(Path(path), mapping or Mapping(), progress)
    result.read = len(frame)
    clock.lap(result, "parse")
    rows, result.rejected = validate(frame, mapping or Mapping(), _context(session))
    del frame
    clock.lap(result, "validate")
    rows = _drop_existing(session, rows, result)
    if rows.empty:
        return result
    _assign_refs(session, rows, settings.ref_prefix)
    rows["id"] = session.execute(text("SELECT nextval(pg_get_serial_sequence('issues', 'id')) "
                                      "FROM generate_series(1, :n)"), {"n": len(rows)}).scalars().all()
    sla = dict(session.execute(text("SELECT code, sla_days FROM categories")).all())
    rows["due_at"] = rows["reported_at"] + pd.to_timedelta(rows["category"].map(sla), unit="D")
    result.snap_method = "memory" if snap == "memory" or (snap == "auto" and len(rows) >= MEMORY_SNAP_MIN) else "sql"
    if result.snap_method == "memory":
        _snap_in_memory(session, rows, settings.snap_max_m)
    else:
        rows["segment_id"] = rows["snap_distance_m"] = rows["team_id"] = np.nan
    clock.lap(result, "snap")
    rebuild = _drop_secondary_indexes(session) if len(rows) >= BULK_MIN and len(rows) > _table_rows(session) else []
    _copy_issues(session, rows)
    result.inserted = len(rows)
    clock.lap(result, "write")
    if result.snap_method == "sql":
        result.linked = snapping.snap_issues_in_bulk(session, settings.snap_max_m, "SELECT id FROM import_new")
    else:
        result.linked = int(rows["segment_id"].notna().sum())
    clock.lap(result, "link")
    fire_lanes.link_issues_in(session, settings.fire_lane_link_m, "SELECT id FROM import_new")
    _log_events(session)
    refs.bump_counters(session)
    session.execute(text("DROP TABLE import_new"))
    clock.lap(result, "events")
    for ddl in rebuild:
        session.execute(text(ddl))
    if rebuild:
        clock.lap(result, "index")
    return result


def _table_rows(session: Session) -> int:
    return session.execute(text("SELECT greatest(reltuples, 0)::bigint FROM pg_class "
                                "WHERE oid = 'issues'::regclass")).scalar() or 0


def _drop_secondary_indexes(session: Session) -> list[str]:
    """Drop the non-unique indexes of issues and issue_events; return the DDL that rebuilds them.

    Building an index once after a large load is several times cheaper than maintaining it row by row
    (pg_restore does the same); it is all one transaction, so a failed import leaves them as they were.
    The tables are locked for the import's duration."""
    rows = session.execute(text("""
        SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS ddl
        FROM pg_index i WHERE i.indrelid IN ('issues'::regclass, 'issue_events'::regclass)
          AND NOT i.indisunique AND NOT i.indisprimary""")).all()
    for row in rows:
        session.execute(text(f'DROP INDEX "{row.name}"'))
    return [row.ddl for row in rows]


class _Clock:
    def __init__(self):
        self.t = time.perf_counter()

    def lap(self, result: ImportResult, name: str) -> None:
        now = time.perf_counter()
        result.seconds[name] = round(now - self.t, 3)
        self.t = now


def _drop_existing(session: Session, rows: pd.DataFrame, result: ImportResult) -> pd.DataFrame:
    given = rows["ref"][rows["ref"] != ""].tolist()
    if not given:
        return rows
    existing = set(session.execute(text("SELECT ref FROM issues WHERE ref = ANY(:r)"), {"r": given}).scalars())
    result.skipped_existing = len(existing)
    return rows[~rows["ref"].isin(existing)].reset_index(drop=True) if existing else rows


def _assign_refs(session: Session, rows: pd.DataFrame, prefix: str) -> None:
    """Give rows without a ref the next numbers of their year (counters bumped atomically)."""
    missing = rows["ref"] == ""
    if not missing.any():
        return
    refs.bump_counters(session)
    years = rows.loc[missing, "reported_at"].dt.tz_convert("Asia/Shanghai").dt.year
    for year, index in years.groupby(years).groups.items():
        last = session.execute(text("""
            INSERT INTO ref_counters (prefix, year, last) VALUES (:p, :y, :n)
            ON CONFLICT (prefix, year) DO UPDATE SET last = ref_counters.last + :n RETURNING last"""),
                               {"p": prefix, "y": int(year), "n": len(index)}).scalar_one()
        numbers = np.arange(last - len(index) + 1, last + 1)
        rows.loc[index, "ref"] = [f"{prefix}-{year}-{n:05d}" for n in numbers]


def _snap_in_memory(session: Session, rows: pd.DataFrame, max_m: float) -> None:
    """Link rows to the nearest live segment with shapely's STR-tree, in the metric CRS (as PostGIS does)."""
    segs = session.execute(text("SELECT id, ST_AsBinary(geom_m) FROM street_segments WHERE retired_at IS NULL "
                                "ORDER BY id")).all()
    teams = dict(session.execute(text("SELECT segment_id, min(team_id) FROM team_segments GROUP BY 1")).all())
    if not segs:
        rows["segment_id"] = rows["snap_distance_m"] = rows["team_id"] = np.nan
        return
    ids = np.array([s[0] for s in segs], dtype=np.int64)
    lines = shapely.from_wkb([bytes(s[1]) for s in segs])
    x, y = Transformer.from_crs(4326, METRIC_SRID, always_xy=True).transform(rows["lon"].to_numpy(),
                                                                               rows["lat"].to_numpy())
    seg, dist = nearest_ids(lines, ids, np.asarray(x), np.asarray(y), max_m)
    linked = seg >= 0
    rows["segment_id"] = np.where(linked, seg, np.nan)
    rows["snap_distance_m"] = np.where(linked, dist, np.nan)
    rows["team_id"] = pd.Series(seg).map(teams).where(linked).to_numpy(dtype=float)


def _copy_issues(session: Session, rows: pd.DataFrame) -> None:
    """Write the rows straight into `issues` with one COPY (CSV), and their ids into import_new."""
    solved = rows["status"].isin(("resolved", "verified", "closed"))
    done_at = rows["closed_at"].fillna(rows["reported_at"])
    out = pd.DataFrame({
        "id": rows["id"], "ref": rows["ref"], "category": rows["category"], "description": rows["description"],
        "address": rows["address"].replace("", None),
        "geom": "SRID=4326;POINT(" + rows["lon"].astype(str) + " " + rows["lat"].astype(str) + ")",
        "channel": rows["channel"], "reporter_name": rows["reporter_name"].replace("", None),
        "reporter_phone": rows["reporter_phone"].replace("", None), "visit_id": rows["visit_id"].astype("Int64"),
        "reported_at": rows["reported_at"], "updated_at": done_at.where(solved, rows["reported_at"]),
        "due_at": rows["due_at"], "status": rows["status"], "resolution": rows["resolution"].replace("", None),
        "resolved_at": done_at.where(solved), "closed_at": done_at.where(rows["status"] == "closed"),
        "segment_id": rows["segment_id"].astype("Int64"), "snap_distance_m": rows["snap_distance_m"].round(2),
        "team_id": rows["team_id"].astype("Int64"), "priority": 3, "version": 1})
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:
        _copy_frame(cur, f"COPY issues ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL "
                         "(description))", out[list(COLUMNS)])
        cur.execute("CREATE TEMP TABLE import_new (id bigint PRIMARY KEY) ON COMMIT DROP")
        _copy_frame(cur, "COPY import_new (id) FROM STDIN WITH (FORMAT csv)", out[["id"]])


def _copy_frame(cur, sql: str, frame: pd.DataFrame, chunk: int = 100_000) -> None:
    frame = frame.copy()
    for col in frame.columns:   # ISO text in C (numpy) rather than strftime per value
        if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            values = frame[col].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
            iso = np.char.add(np.datetime_as_string(values, unit="s"), "Z").astype(object)
            iso[pd.isna(values)] = None
            frame[col] = iso
    with cur.copy(sql) as copy:
        for start in range(0, len(frame), chunk):
            buf = io.StringIO()
            frame.iloc[start:start + chunk].to_csv(buf, header=False, index=False, quoting=csv.QUOTE_MINIMAL)
            copy.write(buf.getvalue())


def _log_events(session: Session) -> None:
    """Append the events that explain each imported state (reports read states from events)."""
    steps = [
        ("i.reported_at", "'report'", "NULL", "'reported'",
         "jsonb_build_object('channel', i.channel, 'linked', i.segment_id IS NOT NULL, 'import', true)", "TRUE"),
        ("i.reported_at", "CASE i.status WHEN 'accepted' THEN 'accept' WHEN 'dispatched' THEN 'dispatch' "
                          "ELSE 'start' END", "'reported'", "i.status", "'{\"import\": true}'::jsonb",
         "i.status IN ('accepted', 'dispatched', 'in_progress')"),
        ("i.resolved_at", "'resolve'", "'reported'", "'resolved'",
         "jsonb_build_object('resolution', i.resolution, 'import', true)", "i.status IN ('resolved', 'verified', 'closed')"),
        ("i.resolved_at", "'verify'", "'resolved'", "'verified'", "'{\"passed\": true, \"import\": true}'::jsonb",
         "i.status IN ('verified', 'closed')"),
        ("i.closed_at", "'close'", "'verified'", "'closed'", "'{\"import\": true}'::jsonb", "i.status = 'closed'"),
    ]
    # one statement per step, so that ids (the tie-break of equal times) follow the order of the steps
    for at, action, from_s, to_s, data, cond in steps:
        session.execute(text(f"""
            INSERT INTO issue_events (issue_id, at, action, from_status, to_status, data)
            SELECT i.id, {at}, {action}, {from_s}, {to_s}, {data}
            FROM issues i JOIN import_new n ON n.id = i.id WHERE {cond}"""))
