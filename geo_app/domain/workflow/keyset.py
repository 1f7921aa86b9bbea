"""Keyset (cursor) pages of issue lists: any page costs what the first one costs, at any table size.

An OFFSET reads and throws away every row before the page (page 2000 of 200 rows read 400,000); a cursor
names the last row of the page before, and the next page starts right after it in an index. Two orders:

- `newest`: overdue open issues first, then the rest, each newest first (reported_at, id descending).
  Read as two index walks (overdue ones, the others) merged: no sort of every row in scope. "Overdue"
  depends on the time, so the cursor carries the time of the first page: a list does not reshuffle under
  a reader who pages through it while issues fall overdue.
- `due`: open issues by due date, oldest first (the escalation list), on the partial index of open due dates.

A cursor is opaque to clients (URL-safe base64 of JSON); a malformed one is refused naming `cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geo_app.domain.errors import ValidationError
from geo_app.vocab import OPEN_STATUSES, sql_in

NEWEST, DUE = "newest", "due"
ORDERS = (NEWEST, DUE)
# Constants, not bound parameters: the planner matches them to the partial index of open issues' due dates.
OVERDUE = f"({sql_in('i.status', OPEN_STATUSES)} AND coalesce(i.due_at < :now, false))"
CURSOR_MAX = 300


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after the row with these sort keys, in a list ordered `order` as of `now`."""

    order: str
    now: datetime
    overdue: bool = False
    at: datetime | None = None  # reported_at (newest) or due_at (due)
    id: int = 0


def encode(cursor: Cursor) -> str:
    """Return the opaque text of a cursor."""
    at = cursor.at.isoformat() if cursor.at else None
    data = [cursor.order, cursor.now.isoformat(), int(cursor.overdue), at, cursor.id]
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(text: object, order: str) -> Cursor:
    """Return the cursor that `text` encodes for a list ordered `order`; 400 naming `cursor` otherwise."""
    bad = ValidationError("cursor: not a cursor of this list (use next_cursor of the page before)", "cursor")
    if not isinstance(text, str) or len(text) > CURSOR_MAX:
        raise bad
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        kind, now, overdue, at, row_id = data
        cursor = Cursor(str(kind), _aware(now), bool(overdue), _aware(at) if at is not None else None, _bigint(row_id))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise bad from None
    if cursor.order != order or cursor.at is None or not isinstance(overdue, int):
        raise bad
    return cursor


def _aware(value: object) -> datetime:
    if not isinstance(value, str):
        raise TypeError(value)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None or not 1900 <= moment.year <= 2999:
        raise ValueError(value)
    return moment


def _bigint(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise ValueError(value)
    return value


def after(row: dict[str, Any], order: str, now: datetime) -> str:
    """Return the cursor of the page that follows `row` (the last row of a page)."""
    if order == DUE:
        return encode(Cursor(order, now, True, row["due_at"], row["id"]))
    return encode(Cursor(order, now, bool(row["overdue"]), row["reported_at"], row["id"]))


def page_sql(select: str, where: str, order: str, cursor: Cursor | None) -> tuple[str, dict[str, Any]]:
    """Return SQL for one page of `select … FROM … WHERE {where}` in `order` (LIMIT :limit OFFSET :offset),
    starting after `cursor`, with its extra parameters. `select` has a `{where}` and an `{order}` slot."""
    params: dict[str, Any] = {}
    if cursor is not None:
        params.update(c_at=cursor.at, c_id=cursor.id)
    if order == DUE:
        cond = " AND (i.due_at, i.id) > (:c_at, :c_id)" if cursor else ""
        sql = select.format(where=f"{where} AND {OVERDUE}{cond}", order="i.due_at, i.id")
        return sql + " LIMIT :limit OFFSET :offset", params
    past = " AND (i.reported_at, i.id) < (:c_at, :c_id)" if cursor else ""
    branches = []
    if cursor is None or cursor.overdue:  # the overdue ones (after the cursor's row if it was one of them)
        branches.append((f"{where} AND {OVERDUE}{past}", "overdue"))
    branches.append((f"{where} AND NOT {OVERDUE}{past if cursor and not cursor.overdue else ''}", "other"))
    newest = "i.reported_at DESC, i.id DESC"
    parts = [
        f"({select.format(where=w, order=newest)} LIMIT :limit + :offset)"  # each branch: no more than the page
        for w, _ in branches
    ]
    sql = f"SELECT * FROM ({' UNION ALL '.join(parts)}) page "
    return sql + "ORDER BY overdue DESC, reported_at DESC, id DESC LIMIT :limit OFFSET :offset", params
