"""Write imported issues, and the events that explain their states, with binary COPY.

`issue_columns` is the one description of an imported issue's stored columns (both import paths);
`event_columns` is the bulk path's copy of what `csv_import._log_events` inserts with SQL on the small
path: the same actions, statuses, times and data, in the same order of ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.importers.issues import pgcopy
from geo_app.vocab import SOLVED_STATUSES as SOLVED

if TYPE_CHECKING:
    import psycopg

PROGRESS_ACTIONS = {"accepted": "accept", "dispatched": "dispatch", "in_progress": "start"}
# (column, COPY kind, values): values as pgcopy takes them (numpy array, pandas Series or Categorical)
NamedColumn = tuple[str, str, Any]
# (codes, labels) of a text column: row i holds labels[codes[i]]
Coded = tuple[npt.NDArray[Any], list[str | None]]


def _blank_none(col: pd.Series) -> npt.NDArray[np.object_]:
    values: npt.NDArray[np.object_] = col.to_numpy(dtype=object).copy()
    values[col.to_numpy(dtype=object) == ""] = None
    return values


def issue_columns(rows: pd.DataFrame) -> list[NamedColumn]:
    """Return (column, COPY kind, values) of the rows as `issues` stores them."""
    solved = rows["status"].isin(SOLVED)
    done_at = rows["closed_at"].fillna(rows["reported_at"])

    def cat(name: str) -> pd.Categorical:
        return pd.Categorical(rows[name].to_numpy(dtype=object))  # few distinct values

    return [
        ("id", "int8", rows["id"].to_numpy()),
        ("ref", "text", rows["ref"].to_numpy(dtype=object)),
        ("category", "text", cat("category")),
        ("description", "text", rows["description"].to_numpy(dtype=object)),
        ("address", "text", _blank_none(rows["address"])),
        ("geom", "raw", ewkb_points(rows)),
        ("channel", "text", cat("channel")),
        ("reporter_name", "text", _blank_none(rows["reporter_name"])),
        ("reporter_phone", "text", _blank_none(rows["reporter_phone"])),
        ("visit_id", "int4", rows["visit_id"]),
        ("reported_at", "timestamptz", rows["reported_at"]),
        ("updated_at", "timestamptz", done_at.where(solved, rows["reported_at"])),
        ("due_at", "timestamptz", rows["due_at"]),
        ("status", "text", cat("status")),
        ("resolution", "text", pd.Categorical(_blank_none(rows["resolution"]))),
        ("resolved_at", "timestamptz", done_at.where(solved)),
        ("closed_at", "timestamptz", done_at.where(rows["status"] == "closed")),
        ("segment_id", "int4", rows["segment_id"]),
        ("snap_distance_m", "float8", rows["snap_distance_m"]),
        ("team_id", "int4", rows["team_id"]),
        ("fire_lane_id", "int4", rows["fire_lane_id"]),
        ("priority", "int2", rows["priority"]),
        ("version", "int4", np.ones(len(rows), dtype=np.int32)),
        ("source", "text", pd.Categorical(rows["source"].to_numpy(dtype=object))),
        ("source_id", "text", rows["source_id"].to_numpy(dtype=object)),
        ("import_batch_id", "int8", rows["import_batch_id"].to_numpy(dtype=np.int64)),
    ]


def ewkb_points(rows: pd.DataFrame) -> npt.NDArray[np.uint8]:
    """Return the rows' lon/lat as EWKB points with SRID 4326, one 25-byte row each (built in one go)."""
    layout = np.dtype([("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")])
    out = np.empty(len(rows), dtype=layout)
    out["order"], out["type"], out["srid"] = 1, 0x20000001, 4326  # little endian, Point with SRID
    out["x"], out["y"] = rows["lon"].to_numpy(float), rows["lat"].to_numpy(float)
    return out.view(np.uint8).reshape(len(rows), layout.itemsize)


@dataclass
class Encoded:
    """A binary COPY stream made ahead of its COPY: the column names and the pieces, in order."""

    names: list[str]
    pieces: Iterable[bytes]


def encode(columns: list[NamedColumn], lazy: bool = False) -> Encoded:
    """Return the columns as a binary COPY stream (made now, or piece by piece as it is read if `lazy`)."""
    columns = [columns[i] for i in pgcopy.ordered([c[1] for c in columns], [c[2] for c in columns])]
    pieces = pgcopy.chunks([(kind, values) for _, kind, values in columns])
    return Encoded([name for name, _, _ in columns], pieces if lazy else list(pieces))


def copy_encoded(session: Session, table: str, stream: Encoded, sent: Callable[[], None] | None = None) -> None:
    """COPY an encoded stream into `table`; `sent` is called once the last piece is handed over, while the
    server still loads and runs the statement's triggers (a time to do other client work in)."""
    raw = cast("psycopg.Connection[Any]", session.connection().connection.driver_connection)
    with (
        raw.cursor() as cur,
        cur.copy(
            f"COPY {table} ({', '.join(stream.names)}) FROM STDIN WITH (FORMAT binary)", writer=QueuedLibpqWriter(cur)
        ) as copy,
    ):  # encode while the server loads
        for piece in stream.pieces:
            copy.write(piece)
        if sent is not None:
            sent()


def copy_columns(session: Session, table: str, columns: list[NamedColumn]) -> None:
    """COPY the columns into `table` in PostgreSQL's binary format (encoded while the server loads)."""
    copy_encoded(session, table, encode(columns, lazy=True))


def utc_us(times: pd.Series) -> npt.NDArray[np.datetime64]:
    values: npt.NDArray[np.datetime64] = times.dt.tz_convert(None).to_numpy().astype("datetime64[us]")
    return values


def _labels(codes: npt.NDArray[Any], labels: Sequence[str | None]) -> pd.Categorical:
    """A Categorical from codes into `labels`, which may repeat (codes -1 or labels None: NULL)."""
    uniq = list(dict.fromkeys(v for v in labels if v is not None))
    remap = np.array([uniq.index(v) if v is not None else -1 for v in labels] + [-1], dtype=np.int32)
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index(uniq, dtype=object))


def event_columns(rows: pd.DataFrame, first_id: int, batch: int) -> list[NamedColumn]:
    """Return the events of the imported rows: report, then the steps to their state, one step at a time.

    Texts are Categoricals built from codes (few distinct values), so nothing is formatted per row."""
    status = pd.Categorical(rows["status"].to_numpy(dtype=object))
    names = list(status.categories)
    code = status.codes
    channel = pd.Categorical(rows["channel"].to_numpy(dtype=object))
    linked = rows["segment_id"].notna().to_numpy()
    resolution = pd.Categorical(rows["resolution"].to_numpy(dtype=object))
    reported, done = utc_us(rows["reported_at"]), utc_us(rows["closed_at"].fillna(rows["reported_at"]))
    n = len(rows)

    def is_in(*wanted: str) -> npt.NDArray[np.bool_]:
        return np.isin(code, [names.index(w) for w in wanted if w in names])

    def const(value: str | None) -> Coded:  # (codes, labels) of a text that is the same on every row
        return np.zeros(n, dtype=np.int32), [value]

    def by_status(table: dict[str, str]) -> Coded:  # (codes, labels) of a text that follows the status
        return code, [table.get(s) for s in names]

    report: Coded = (
        channel.codes * 2 + linked,
        [
            f'{{"batch": {batch}, "channel": "{c}", "linked": {"true" if k else "false"}, "import": true}}'
            for c in channel.categories
            for k in (False, True)
        ],
    )
    resolved: Coded = (
        resolution.codes,
        [f'{{"batch": {batch}, "import": true, "resolution": "{r}"}}' for r in resolution.categories],
    )
    steps = [  # (which rows, at, action, from, to, data)
        (np.ones(n, dtype=bool), reported, const("report"), const(None), const("reported"), report),
        (
            is_in(*PROGRESS_ACTIONS),
            reported,
            by_status(PROGRESS_ACTIONS),
            const("reported"),
            by_status({s: s for s in PROGRESS_ACTIONS}),
            const(f'{{"batch": {batch}, "import": true}}'),
        ),
        (is_in(*SOLVED), done, const("resolve"), const("reported"), const("resolved"), resolved),
        (
            is_in("verified", "closed"),
            done,
            const("verify"),
            const("resolved"),
            const("verified"),
            const(f'{{"batch": {batch}, "import": true, "passed": true}}'),
        ),
        (
            is_in("closed"),
            done,
            const("close"),
            const("verified"),
            const("closed"),
            const(f'{{"batch": {batch}, "import": true}}'),
        ),
    ]
    ids = np.concatenate([rows["id"].to_numpy()[mask] for mask, *_ in steps])
    at = np.concatenate([times[mask] for mask, times, *_ in steps])
    texts = []
    for k in range(2, 6):  # action, from_status, to_status, data: one vocabulary across the steps
        labels = [label for step in steps for label in step[k][1]]
        offsets = np.cumsum([0] + [len(step[k][1]) for step in steps[:-1]])
        texts.append(
            _labels(
                np.concatenate([step[k][0][step[0]] + off for step, off in zip(steps, offsets, strict=True)]), labels
            )
        )
    action, from_status, to_status, data = texts
    event_ids = np.arange(first_id, first_id + len(ids), dtype=np.int64)  # in the order of the steps
    # stored in (to_status, at) order: that index (the reports' way in) is then built from sorted input
    rank = np.argsort(np.argsort(np.asarray(to_status.categories, dtype=str)))
    order = np.lexsort((at.astype(np.int64), rank[to_status.codes]))
    return [
        ("id", "int8", event_ids[order]),
        ("issue_id", "int8", ids[order]),
        ("at", "timestamptz", at[order]),
        ("action", "text", action[order]),
        ("from_status", "text", from_status[order]),
        ("to_status", "text", to_status[order]),
        ("data", "jsonb", data[order]),
    ]


def event_count(rows: pd.DataFrame) -> int:
    """Return how many events event_columns makes for the rows."""
    status = rows["status"]
    return int(
        len(rows)
        + status.isin(list(PROGRESS_ACTIONS)).sum()
        + status.isin(SOLVED).sum()
        + status.isin(("verified", "closed")).sum()
        + (status == "closed").sum()
    )


def reserve_ids(session: Session, table: str, n: int) -> int:
    """Take n consecutive ids of the table's sequence and return the first (the table must be locked)."""
    seq = session.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar_one()
    first = session.execute(text("SELECT nextval(:s)"), {"s": seq}).scalar_one()
    if n > 1:
        session.execute(text("SELECT setval(:s, :v)"), {"s": seq, "v": first + n - 1})
    return int(first)
