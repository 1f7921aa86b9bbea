"""Bulk import of issues from CSV: validate every row (as columns), link to segments, write with COPY.

Accepted rows go in together (one transaction, committed by the caller) or not at all; every rejected
row is reported with its line, field and reason. Rows whose `ref` already exists are skipped, so
re-running is harmless. Two ways to write, with the same result:
- the small path (fewer rows than `bulk_min_rows`): one COPY into `issues` with its indexes and foreign
  keys maintained row by row, then linking and events in SQL; it takes no table lock;
- the bulk path: links computed in memory, the indexes and constraints of `issues` and `issue_events`
  set aside (bulk_ddl), issues and events written with binary COPY, everything rebuilt and re-validated
  set-based; several times faster for large files, but it locks those tables until the commit, and its
  rebuilds cost as much as the table holds, not as much as the file brings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.analysis import fire_lanes
from geo_app.domain.core import refs, snapping
from geo_app.domain.core.localtime import zone_name as local_zone_name
from geo_app.domain.errors import DomainError
from geo_app.domain.importers.issues import batches, bulk_ddl, bulk_rollups, updates
from geo_app.domain.importers.issues.events import log_events
from geo_app.domain.importers.issues.links import link_fire_lanes, link_segments, metric_xy
from geo_app.domain.importers.issues.rows import Context, Mapping, RowError, read_frame, validate
from geo_app.domain.importers.issues.write import (
    Encoded,
    copy_columns,
    copy_encoded,
    encode,
    event_columns,
    event_count,
    issue_columns,
    reserve_ids,
)
from geo_app.domain.organisation.words import category_words
from geo_app.domain.workflow.intake import IntakeSettings

MEMORY_SNAP_MIN = 2_000  # below this the set-based UPDATE is as fast and needs no segment load
BULK_MIN_ROWS = 50_000  # from here the bulk path (IMPORT_BULK_MIN_ROWS in the app's settings)
__all__ = ["ImportResult", "Mapping", "RowError", "import_issues"]


@dataclass
class ImportResult:
    batch_id: int = 0
    read: int = 0
    inserted: int = 0
    updated: int = 0
    kept: int = 0  # rows of an --update that staff have worked on since: left as they are
    skipped_existing: int = 0
    linked: int = 0
    rejected: list[RowError] = field(default_factory=list)
    snap_method: str = ""
    bulk: bool = False
    seconds: dict[str, float] = field(default_factory=dict)


def _context(session: Session) -> Context:
    categories = frozenset(session.execute(text("SELECT code FROM categories")).scalars())
    visits: dict[str, int] = dict(session.execute(text("SELECT code, id FROM visits WHERE code IS NOT NULL")).all())
    wkb = session.execute(text("SELECT ST_AsBinary(ST_Union(geom)) FROM admin_areas")).scalar()
    if wkb is None and session.execute(text("SELECT to_regclass('deployment') IS NOT NULL")).scalar():
        # no areas yet: the profile's service area (positions.check reads the same)
        wkb = session.execute(text("SELECT ST_AsBinary(service_area) FROM deployment")).scalar()
    area = shapely.from_wkb(bytes(wkb)) if wkb else None
    if area is not None:
        shapely.prepare(area)
    channels = frozenset(session.execute(text("SELECT code FROM channels")).scalars())
    return Context(categories, visits, area, channels)


def import_issues(
    session: Session,
    path: Path,
    settings: IntakeSettings,
    mapping: Mapping | None = None,
    progress: Callable[[int], object] | None = None,
    snap: str = "auto",
    bulk_min_rows: int | None = BULK_MIN_ROWS,
    source: str | None = None,
    update: bool = False,
) -> ImportResult:
    """Import the issues of a CSV file as one batch; the caller commits (or rolls back) the session.

    Rows already imported (the same `source` id, or without a source the same ref) are skipped, or updated
    with `update`. The bulk path is taken from `bulk_min_rows` accepted rows on (None: never, 0: always)."""
    mapping = mapping or Mapping()
    if source is not None and mapping.source_column is None:
        raise DomainError("id_column: a source needs the column of its ids (--id-column)", "id_column")
    if source is None and mapping.source_column is not None:
        raise DomainError("source: an id column needs the name of its source (--source)", "source")
    result, clock = ImportResult(), _Clock()
    # the categories' own words (names, service codes, keywords) map too; a given mapping wins over them
    mapping = replace(mapping, categories={**category_words(session), **mapping.categories})
    frame = read_frame(Path(path), mapping, progress)
    result.read = len(frame)
    clock.lap(result, "parse")
    rows, result.rejected = validate(frame, mapping, _context(session))
    del frame
    clock.lap(result, "validate")
    result.batch_id = batches.start(session, Path(path).name, source, mapping.source_column)
    result.bulk = bulk_min_rows is not None and len(rows) >= max(bulk_min_rows, 1)
    if result.bulk:
        bulk_ddl.lock(session)
    rows, existing = _split_existing(session, rows, source, result)
    sla: dict[str, int] = dict(session.execute(text("SELECT code, sla_days FROM categories")).all())
    for part in (rows, existing):
        part["due_at"] = part["reported_at"] + pd.to_timedelta(part["category"].map(sla), unit="D")
    if update and not existing.empty:
        result.updated, result.kept = updates.apply(session, existing, settings, result.batch_id)
        result.skipped_existing = len(existing) - result.updated - result.kept
        clock.lap(result, "update")
    if not rows.empty:
        rows["source"] = source
        rows["import_batch_id"] = result.batch_id
        _assign_refs(session, rows, settings.ref_prefix)
        if result.bulk:
            _bulk(session, rows, settings, result, clock)
        else:
            _small(session, rows, settings, snap, result, clock)
        result.inserted = len(rows)
    batches.finish(session, result)
    return result


def _small(
    session: Session, rows: pd.DataFrame, settings: IntakeSettings, snap: str, result: ImportResult, clock: _Clock
) -> None:
    """Write with the tables' indexes and keys in place; link and log events in SQL."""
    rows["id"] = (
        session.execute(
            text("SELECT nextval(pg_get_serial_sequence('issues', 'id')) FROM generate_series(1, :n)"), {"n": len(rows)}
        )
        .scalars()
        .all()
    )
    result.snap_method = "memory" if snap == "memory" or (snap == "auto" and len(rows) >= MEMORY_SNAP_MIN) else "sql"
    if result.snap_method == "memory":
        link_segments(session, rows, metric_xy(rows), settings.snap_max_m)
    else:
        rows["segment_id"] = rows["team_id"] = pd.Series(pd.NA, index=rows.index, dtype="Int64")
        rows["snap_distance_m"] = np.nan
    rows["fire_lane_id"] = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    rows["priority"] = np.full(len(rows), 3, dtype=np.int16)
    clock.lap(result, "snap")
    copy_columns(session, "issues", issue_columns(rows))
    session.execute(text("CREATE TEMP TABLE import_new (id bigint PRIMARY KEY) ON COMMIT DROP"))
    copy_columns(session, "import_new", [("id", "int8", rows["id"].to_numpy())])
    clock.lap(result, "write")
    if result.snap_method == "sql":
        result.linked = snapping.snap_issues_in_bulk(session, settings.snap_max_m, "SELECT id FROM import_new")
    else:
        result.linked = int(rows["segment_id"].notna().sum())
    fire_lanes.link_issues_in(session, settings.fire_lane_link_m, "SELECT id FROM import_new")
    log_events(session, result.batch_id, "import_new")
    refs.bump_counters(session)
    session.execute(text("DROP TABLE import_new"))
    clock.lap(result, "events")


def _bulk(session: Session, rows: pd.DataFrame, settings: IntakeSettings, result: ImportResult, clock: _Clock) -> None:
    """Link in memory, set indexes and constraints aside, COPY issues and events, rebuild (tables locked)."""
    rows["id"] = np.arange(len(rows), dtype=np.int64) + reserve_ids(session, "issues", len(rows))
    xy = metric_xy(rows)
    link_segments(session, rows, xy, settings.snap_max_m)
    link_fire_lanes(session, rows, xy, settings.fire_lane_link_m)
    result.snap_method, result.linked = "memory", int(rows["segment_id"].notna().sum())
    clock.lap(result, "snap")
    saved = bulk_ddl.set_aside(session)
    first_event = reserve_ids(session, "issue_events", event_count(rows))
    rollup_inputs = bulk_rollups.load_inputs(session, rows)
    bulk_rollups.suspend_triggers(session)  # their work is done below, from the rows in memory
    columns = issue_columns(rows)
    events: list[Future[Encoded]] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Two cores: once the issues are sent, the events are built and encoded here while the server loads
        # the issues and rebuilds their indexes (its one-process steps first); the rollups' deltas while it
        # loads the events.
        copy_encoded(
            session,
            "issues",
            encode(columns, lazy=True),
            sent=lambda: events.append(pool.submit(lambda: encode(event_columns(rows, first_event, result.batch_id)))),
        )
        bulk_rollups.resume_triggers(session)
        clock.lap(result, "write")
        saved = bulk_ddl.rebuild(session, saved, skip=("issue_events",))
        clock.lap(result, "index")
        deltas = pool.submit(
            bulk_rollups.deltas,
            {name: values for name, _, values in columns},
            rows["lon"].to_numpy(float),
            rows["lat"].to_numpy(float),
            rollup_inputs,
        )
        copy_encoded(session, "issue_events", events[0].result())
        refs.raise_counters(session, rows["ref"])
        clock.lap(result, "events")
        bulk_rollups.apply(session, deltas.result())
        clock.lap(result, "rollups")
    bulk_ddl.rebuild(session, saved)
    clock.lap(result, "index")


class _Clock:
    def __init__(self) -> None:
        self.t = time.perf_counter()

    def lap(self, result: ImportResult, name: str) -> None:
        """Add the time since the last lap to phase `name` (a phase may come in more than one piece)."""
        now = time.perf_counter()
        result.seconds[name] = round(result.seconds.get(name, 0.0) + now - self.t, 3)
        self.t = now


def _split_existing(
    session: Session, rows: pd.DataFrame, source: str | None, result: ImportResult
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (rows not imported yet, rows already stored with their `issue_id`); count the latter as skipped.

    With a source, a row is known by its id there; without, by its ref. A new row of a source whose ref is
    another issue's is rejected (refs are unique)."""
    if source is not None:
        known: dict[str, int] = dict(
            session.execute(text("SELECT source_id, id FROM issues WHERE source = :s"), {"s": source}).all()
        )
        ids = rows["source_id"].map(known)
        taken = _stored_refs(session, rows["ref"][ids.isna() & (rows["ref"] != "")].tolist())
        clash = ids.isna() & rows["ref"].isin(taken)
        result.rejected += [
            RowError(int(line), "ref", f"ref: {ref} is already another issue's", raw=None)
            for line, ref in zip(rows["line"][clash], rows["ref"][clash], strict=True)
        ]
        result.rejected.sort(key=lambda e: e.line)
        rows, ids = rows[~clash], ids[~clash]
    else:
        refs_known = _stored_refs(session, rows["ref"][rows["ref"] != ""].tolist())
        ids = rows["ref"].map(refs_known) if refs_known else pd.Series(np.nan, index=rows.index)
    existing = rows[ids.notna()].assign(issue_id=ids[ids.notna()].astype("int64")).reset_index(drop=True)
    result.skipped_existing = len(existing)
    return rows[ids.isna()].reset_index(drop=True), existing


def _stored_refs(session: Session, given: list[str]) -> dict[str, int]:
    """Return {ref: id} of the given refs that are stored."""
    if not given:
        return {}
    stored = session.execute(
        text("SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'issues'::regclass")
    ).scalar_one()
    if stored < len(given):  # a table smaller than the file: read its refs rather than probe the index per row
        wanted = set(given)
        return {ref: i for ref, i in session.execute(text("SELECT ref, id FROM issues")).all() if ref in wanted}
    return dict(session.execute(text("SELECT ref, id FROM issues WHERE ref = ANY(:r)"), {"r": given}).all())


def _assign_refs(session: Session, rows: pd.DataFrame, prefix: str) -> None:
    """Give rows without a ref new numbers of their year (from its sequence, above every stored ref)."""
    missing = rows["ref"] == ""
    if not missing.any():
        return
    refs.bump_counters(session)
    years = rows.loc[missing, "reported_at"].dt.tz_convert(local_zone_name()).dt.year
    for year, index in years.groupby(years).groups.items():
        numbers = refs.take_numbers(session, prefix, int(year), len(index))
        rows.loc[index, "ref"] = [refs.format_ref(prefix, int(year), n) for n in numbers]
