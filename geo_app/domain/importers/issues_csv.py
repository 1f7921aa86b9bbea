"""Bulk import of issues from CSV: validate every row, stage with COPY, insert, link, log — set-based.

Accepted rows go in together (one transaction) or not at all; every rejected row is reported with its
line number, field and reason. Rows whose `ref` already exists are skipped, so re-running is harmless.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...errors import DomainError
from ...models.issue import CHANNELS, DESCRIPTION_MAX
from .. import fire_lanes, refs, snapping
from ..intake import ADDRESS_MAX, NAME_MAX, PHONE_MAX, IntakeSettings
from ..validation import clean_text, parse_datetime, parse_lonlat

COLUMNS = ("ref", "category", "description", "lon", "lat", "address", "channel", "reported_at",
           "reporter_name", "reporter_phone", "visit_code")
REQUIRED = ("category", "lon", "lat", "reported_at")


@dataclass
class RowError:
    line: int
    field: str
    message: str


@dataclass
class ImportResult:
    read: int = 0
    inserted: int = 0
    skipped_existing: int = 0
    linked: int = 0
    rejected: list[RowError] = field(default_factory=list)


def _validate(raw: dict, categories: set[str]) -> dict:
    row = {}
    ref = (raw.get("ref") or "").strip()
    if ref and not refs.REF_PATTERN.match(ref):
        raise DomainError("ref: must look like DT-2020-00123", "ref")
    row["ref"] = ref or None
    category = (raw.get("category") or "").strip()
    if category not in categories:
        raise DomainError(f"category: unknown category {category[:40]!r}", "category")
    row["category"] = category
    row["lon"], row["lat"] = parse_lonlat(raw.get("lon"), raw.get("lat"))
    if abs(row["lon"]) < 1e-9 and abs(row["lat"]) < 1e-9:
        raise DomainError("lon: 0,0 is not a real location", "lon")
    row["reported_at"] = parse_datetime(raw.get("reported_at"), "reported_at").astimezone(timezone.utc)
    row["channel"] = (raw.get("channel") or "web").strip()
    if row["channel"] not in CHANNELS:
        raise DomainError(f"channel: must be one of {', '.join(CHANNELS)}", "channel")
    row["description"] = clean_text(raw.get("description"), "description", DESCRIPTION_MAX) or ""
    row["address"] = clean_text(raw.get("address"), "address", ADDRESS_MAX)
    row["reporter_name"] = clean_text(raw.get("reporter_name"), "reporter_name", NAME_MAX)
    row["reporter_phone"] = clean_text(raw.get("reporter_phone"), "reporter_phone", PHONE_MAX)
    row["visit_code"] = (raw.get("visit_code") or "").strip() or None
    return row


def parse_csv(stream: io.TextIOBase, categories: set[str], result: ImportResult) -> list[dict]:
    """Return the valid rows of a CSV stream, recording every invalid one in `result.rejected`."""
    reader = csv.DictReader(stream)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise DomainError(f"file: missing column(s) {', '.join(missing)}", missing[0])
    rows = []
    for raw in reader:
        result.read += 1
        line = reader.line_num
        try:
            row = _validate(raw, categories)
        except DomainError as err:
            result.rejected.append(RowError(line, err.field or "row", err.message))
            continue
        row["line"] = line
        rows.append(row)
    return rows


def import_issues(session: Session, path: Path, settings: IntakeSettings) -> ImportResult:
    """Import the issues of a CSV file; the caller commits (or rolls back) the session."""
    result = ImportResult()
    categories = set(session.execute(text("SELECT code FROM categories")).scalars())
    with open(path, newline="", encoding="utf-8-sig") as stream:
        rows = parse_csv(stream, categories, result)
    _assign_refs(session, rows, settings.ref_prefix)
    _stage(session, rows)
    _reject_in_sql(session, result)
    result.skipped_existing = session.execute(text(
        "SELECT count(*) FROM import_stage s JOIN issues i ON i.ref = s.ref")).scalar()
    result.inserted = _insert(session)
    result.linked = snapping.snap_issues_in_bulk(session, settings.snap_max_m, "SELECT id FROM import_new")
    fire_lanes.link_issues_in(session, settings.fire_lane_link_m, "SELECT id FROM import_new")
    _log_events(session)
    refs.bump_counters(session)
    session.execute(text("DROP TABLE import_stage, import_new"))
    return result


def _assign_refs(session: Session, rows: list[dict], prefix: str) -> None:
    by_year: dict[int, list[dict]] = {}
    for row in rows:
        if row["ref"] is None:
            by_year.setdefault(row["reported_at"].year, []).append(row)
    if not by_year:
        return
    refs.bump_counters(session)
    for year, group in by_year.items():
        last = session.execute(text("""
            INSERT INTO ref_counters (prefix, year, last) VALUES (:p, :y, :n)
            ON CONFLICT (prefix, year) DO UPDATE SET last = ref_counters.last + :n RETURNING last"""),
                               {"p": prefix, "y": year, "n": len(group)}).scalar_one()
        for offset, row in enumerate(group):
            row["ref"] = f"{prefix}-{year}-{last - len(group) + 1 + offset:05d}"


def _stage(session: Session, rows: list[dict]) -> None:
    session.execute(text("""
        CREATE TEMP TABLE import_stage (line int, ref text, category text, description text, address text,
            lon float8, lat float8, channel text, reported_at timestamptz, reporter_name text,
            reporter_phone text, visit_code text) ON COMMIT DROP"""))
    cols = ("line",) + COLUMNS
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY import_stage ({', '.join(cols)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in cols])


def _reject_in_sql(session: Session, result: ImportResult) -> None:
    """Drop staged rows outside the service area, unknown visits or repeated refs, recording each."""
    checks = [
        ("lon", "the location is outside the service area", """
            EXISTS (SELECT 1 FROM admin_areas) AND NOT EXISTS (SELECT 1 FROM admin_areas a
                WHERE ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)))"""),
        ("visit_code", "no such visit", "s.visit_code IS NOT NULL AND NOT EXISTS "
                                        "(SELECT 1 FROM visits v WHERE v.code = s.visit_code)"),
        ("ref", "the same ref appears earlier in the file", "EXISTS (SELECT 1 FROM import_stage t "
                                                           "WHERE t.ref = s.ref AND t.line < s.line)"),
    ]
    for field_name, message, condition in checks:
        lines = session.execute(text(f"DELETE FROM import_stage s WHERE {condition} RETURNING line")).scalars()
        result.rejected.extend(RowError(line, field_name, f"{field_name}: {message}") for line in lines)
    result.rejected.sort(key=lambda e: e.line)


def _insert(session: Session) -> int:
    session.execute(text("""
        CREATE TEMP TABLE import_new ON COMMIT DROP AS
        WITH ins AS (
            INSERT INTO issues (ref, category, description, address, geom, channel, reporter_name,
                                reporter_phone, visit_id, reported_at, updated_at, due_at, status, version, priority)
            SELECT s.ref, s.category, s.description, s.address, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326),
                   s.channel, s.reporter_name, s.reporter_phone, v.id, s.reported_at, s.reported_at,
                   s.reported_at + make_interval(days => c.sla_days), 'reported', 1, 3
            FROM import_stage s
            JOIN categories c ON c.code = s.category
            LEFT JOIN visits v ON v.code = s.visit_code
            WHERE NOT EXISTS (SELECT 1 FROM issues i WHERE i.ref = s.ref)
            ORDER BY s.line
            RETURNING id)
        SELECT id FROM ins"""))
    session.execute(text("ALTER TABLE import_new ADD PRIMARY KEY (id)"))
    return session.execute(text("SELECT count(*) FROM import_new")).scalar()


def _log_events(session: Session) -> None:
    session.execute(text("""
        INSERT INTO issue_events (issue_id, at, action, from_status, to_status, data)
        SELECT i.id, i.reported_at, 'report', NULL, 'reported',
               jsonb_build_object('channel', i.channel, 'linked', i.segment_id IS NOT NULL, 'import', true)
        FROM issues i JOIN import_new n ON n.id = i.id"""))
