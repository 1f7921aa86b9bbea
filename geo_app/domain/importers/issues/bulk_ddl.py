"""Set the indexes and constraints of `issues` and `issue_events` aside for a bulk load, and rebuild them.

Building an index once after a load is several times cheaper than maintaining it row by row, and one
set-based check of a foreign key (what ADD CONSTRAINT runs) is far cheaper than a trigger per row
(pg_restore loads the same way). Everything happens in the caller's transaction: a failure anywhere,
a rebuilt unique key or foreign key that no longer holds included, rolls the whole import back and
leaves the definitions as they were. The price is the lock: from `set_aside` to the commit, `issues`,
`issue_events` and every table a foreign key of theirs points at or from (categories, street_segments,
teams, visits, fire_lanes, users, dispatches, site_visit_issues) are locked ACCESS EXCLUSIVE — readers
and writers of those tables wait. User triggers are left alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from geo_app.domain.errors import DomainError

log = logging.getLogger(__name__)
TABLES = ("issues", "issue_events")
MAINTENANCE_WORK_MEM = "1GB"
LOCK_TIMEOUT = "10s"  # a waiting ACCESS EXCLUSIVE request queues every later reader behind it: give up


@dataclass
class SetAside:
    """How to rebuild what was dropped: plain indexes, keys (PK/UNIQUE) and foreign keys."""

    indexes: list[tuple[str, str]] = field(default_factory=list)  # (table, CREATE INDEX …)
    keys: list[tuple[str, str, str]] = field(default_factory=list)  # (table, name, definition)
    foreign_keys: list[tuple[str, str, str, str]] = field(default_factory=list)  # (…, referenced table)


def lock(session: Session, tables: Sequence[str] = TABLES) -> None:
    """Take the tables' lock first, so that nothing changes between the checks and the load.

    If other work holds them for longer than LOCK_TIMEOUT, refuse rather than make everyone wait."""
    session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    try:
        session.execute(text(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE"))
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":
            raise
        raise DomainError(
            f"issues: the issue tables are in use (waited {LOCK_TIMEOUT}); retry in a quiet moment "
            "or import with --bulk never",
            "file",
            code="busy",
            http_status=409,
        ) from None
    session.execute(text("SET LOCAL lock_timeout = DEFAULT"))


def definitions(session: Session) -> dict[str, list[Any]]:
    """Return the tables' index, constraint and trigger definitions (for tests: the same before and after)."""
    tables = {"t": list(TABLES)}
    return {
        "indexes": sorted(
            session.execute(
                text("SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid::regclass::text = ANY(:t)"),
                tables,
            ).scalars()
        ),
        "constraints": sorted(
            tuple(r)
            for r in session.execute(
                text("""
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint
            WHERE conrelid::regclass::text = ANY(:t) OR confrelid::regclass::text = ANY(:t)"""),
                tables,
            ).all()
        ),
        "triggers": sorted(
            tuple(r)
            for r in session.execute(
                text("""
            SELECT tgrelid::regclass::text, tgname, tgenabled, pg_get_triggerdef(oid) FROM pg_trigger
            WHERE tgrelid::regclass::text = ANY(:t) AND NOT tgisinternal"""),
                tables,
            ).all()
        ),
    }


def set_aside(session: Session) -> SetAside:
    """Drop the tables' foreign keys (both ways), keys and indexes; return what rebuilds them."""
    tables = {"t": list(TABLES)}
    saved = SetAside()
    saved.foreign_keys = [
        tuple(r)
        for r in session.execute(
            text("""
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), confrelid::regclass::text
        FROM pg_constraint
        WHERE contype = 'f' AND (conrelid::regclass::text = ANY(:t) OR confrelid::regclass::text = ANY(:t))
        ORDER BY 1, 2"""),
            tables,
        ).all()
    ]
    saved.keys = [
        tuple(r)
        for r in session.execute(
            text("""
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE contype IN ('p', 'u', 'x') AND conrelid::regclass::text = ANY(:t) ORDER BY contype, 1, 2"""),
            tables,
        ).all()
    ]
    plain = session.execute(
        text("""
        SELECT indexrelid::regclass::text AS name, indrelid::regclass::text AS "table",
               pg_get_indexdef(indexrelid) AS ddl FROM pg_index i
        WHERE indrelid::regclass::text = ANY(:t)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1"""),
        tables,
    ).all()
    saved.indexes = [(r.table, r.ddl) for r in plain]
    lock(
        session,
        sorted(
            {fk[0] for fk in saved.foreign_keys}
            | set(
                session.execute(
                    text("""
        SELECT DISTINCT confrelid::regclass::text FROM pg_constraint
        WHERE contype = 'f' AND conrelid::regclass::text = ANY(:t)"""),
                    tables,
                ).scalars()
            )
        ),
    )  # the joined tables too
    for table, name, *_ in saved.foreign_keys + saved.keys:
        session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for r in plain:
        session.execute(text(f"DROP INDEX {r.name}"))
    return saved


def _add(table: str, name: str, definition: str, *_: str) -> str:
    """ADD CONSTRAINT of a key or foreign key as set_aside saved it (a foreign key's referenced table last)."""
    return f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'


def rebuild(session: Session, saved: SetAside, skip: tuple[str, ...] = ()) -> SetAside:
    """Build the indexes and keys again and re-validate every foreign key in one query each.

    What belongs to a table in `skip` (its indexes, its keys, its own foreign keys) is left out and
    returned, for a later call once that table is loaded. The statements that run in one server process
    come first (GiST builds; foreign keys checked against other tables' keys, which need none of the
    indexes being rebuilt), while the client's worker thread still uses the other core; then the btree
    builds, which take both; then keys and the foreign keys that need them."""
    session.execute(text(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'"))

    def part(deferred: bool) -> SetAside:  # every item's first field is its table
        return SetAside(
            *cast(
                Iterator[list[Any]],  # each list keeps the item type of its field
                (
                    [item for item in items if (item[0] in skip) == deferred]
                    for items in (saved.indexes, saved.keys, saved.foreign_keys)
                ),
            )
        )

    now, later = part(False), part(True)
    one_process = [ddl for _, ddl in now.indexes if " USING btree " not in ddl] + [
        _add(*fk) for fk in now.foreign_keys if fk[3] not in TABLES
    ]
    parallel = [ddl for _, ddl in now.indexes if " USING btree " in ddl]
    inward = [_add(*fk) for fk in now.foreign_keys if fk[3] in TABLES]
    statements = one_process + parallel + [_add(*key) for key in now.keys] + inward
    for ddl in statements:
        started = time.perf_counter()
        session.execute(text(ddl))
        log.info("%.2f s: %s", time.perf_counter() - started, ddl)
    return later
