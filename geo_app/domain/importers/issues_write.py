"""Write imported issues, and the events that explain their states, with binary COPY.

`issue_columns` is the one description of an imported issue's stored columns (both import paths);
`event_columns` is the bulk path's copy of what `issues_csv._log_events` inserts with SQL on the small
path: the same actions, statuses, times and data, in the same order of ids.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...models.issue import CHANNELS
from . import pgcopy

SOLVED = ("resolved", "verified", "closed")
PROGRESS_ACTIONS = {"accepted": "accept", "dispatched": "dispatch", "in_progress": "start"}


def _blank_none(col: pd.Series) -> np.ndarray:
    values = col.to_numpy(dtype=object).copy()
    values[col.to_numpy(dtype=object) == ""] = None
    return values


def issue_columns(rows: pd.DataFrame) -> list[tuple[str, str, object]]:
    """Return (column, COPY kind, values) of the rows as `issues` stores them."""
    solved = rows["status"].isin(SOLVED)
    done_at = rows["closed_at"].fillna(rows["reported_at"])
    cat = lambda name: pd.Categorical(rows[name].to_numpy(dtype=object))      # few distinct values
    return [
        ("id", "int8", rows["id"].to_numpy()), ("ref", "text", rows["ref"].to_numpy(dtype=object)),
        ("category", "text", cat("category")),
        ("description", "text", rows["description"].to_numpy(dtype=object)),
        ("address", "text", _blank_none(rows["address"])), ("geom", "raw", ewkb_points(rows)),
        ("channel", "text", cat("channel")),
        ("reporter_name", "text", _blank_none(rows["reporter_name"])),
        ("reporter_phone", "text", _blank_none(rows["reporter_phone"])),
        ("visit_id", "int4", rows["visit_id"]), ("reported_at", "timestamptz", rows["reported_at"]),
        ("updated_at", "timestamptz", done_at.where(solved, rows["reported_at"])),
        ("due_at", "timestamptz", rows["due_at"]), ("status", "text", cat("status")),
        ("resolution", "text", pd.Categorical(_blank_none(rows["resolution"]))),
        ("resolved_at", "timestamptz", done_at.where(solved)),
        ("closed_at", "timestamptz", done_at.where(rows["status"] == "closed")),
        ("segment_id", "int4", rows["segment_id"]), ("snap_distance_m", "float8", rows["snap_distance_m"]),
        ("team_id", "int4", rows["team_id"]), ("fire_lane_id", "int4", rows["fire_lane_id"]),
        ("priority", "int2", rows["priority"]), ("version", "int4", np.ones(len(rows), dtype=np.int32)),
    ]


def ewkb_points(rows: pd.DataFrame) -> np.ndarray:
    """Return the rows' lon/lat as EWKB points with SRID 4326, one 25-byte row each (built in one go)."""
    layout = np.dtype([("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")])
    out = np.empty(len(rows), dtype=layout)
    out["order"], out["type"], out["srid"] = 1, 0x20000001, 4326      # little endian, Point with SRID
    out["x"], out["y"] = rows["lon"].to_numpy(float), rows["lat"].to_numpy(float)
    return out.view(np.uint8).reshape(len(rows), layout.itemsize)


def copy_columns(session: Session, table: str, columns: list[tuple[str, str, object]]) -> None:
    """COPY the columns into `table` in PostgreSQL's binary format."""
    columns = sorted(columns, key=lambda c: not pgcopy.is_fixed(c[1]))     # stable: fixed-width first
    names = ", ".join(name for name, _, _ in columns)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT binary)",
                                       writer=QueuedLibpqWriter(cur)) as copy:   # encode while the server loads
        for piece in pgcopy.chunks([(kind, values) for _, kind, values in columns]):
            copy.write(piece)


def event_columns(rows: pd.DataFrame, first_id: int) -> list[tuple[str, str, object]]:
    """Return the events of the imported rows: report, then the steps to their state, one step at a time."""
    status, solved = rows["status"], rows["status"].isin(SOLVED)
    done_at = rows["closed_at"].fillna(rows["reported_at"])
    linked = np.where(rows["segment_id"].notna(), "true", "false")
    channel_json = rows["channel"].map({c: f'"{c}"' for c in CHANNELS})     # codes: plain ASCII words
    report = pd.Series('{"channel": ' + channel_json + ', "linked": ' + linked + ', "import": true}', index=rows.index)
    progressing = status.isin(list(PROGRESS_ACTIONS))
    resolution_json = '{"resolution": "' + rows["resolution"] + '", "import": true}'
    steps = [  # (which rows, at, action, from, to, data)
        (np.ones(len(rows), dtype=bool), rows["reported_at"], "report", None, "reported", report),
        (progressing, rows["reported_at"], status.map(PROGRESS_ACTIONS), "reported", status, '{"import": true}'),
        (solved, done_at, "resolve", "reported", "resolved", resolution_json),
        (status.isin(("verified", "closed")), done_at, "verify", "resolved", "verified", '{"passed": true, "import": true}'),
        (status == "closed", done_at, "close", "verified", "closed", '{"import": true}'),
    ]
    ids, times, texts = [], [], {name: [] for name in ("action", "from_status", "to_status", "data")}
    for mask, at, action, from_s, to_s, data in steps:
        mask = np.asarray(mask, dtype=bool)
        ids.append(rows["id"].to_numpy()[mask])
        times.append(at[mask])
        for name, v in (("action", action), ("from_status", from_s), ("to_status", to_s), ("data", data)):
            texts[name].append(v[mask].to_numpy(dtype=object) if isinstance(v, pd.Series) else (int(mask.sum()), v))
    ids = np.concatenate(ids)
    event_ids = np.arange(first_id, first_id + len(ids), dtype=np.int64)   # in the order of the steps
    at = pd.concat(times, ignore_index=True)
    texts = {name: _categorical(parts) for name, parts in texts.items()}
    # stored in (to_status, at) order: that index (the reports' way in) is then built from sorted input
    rank = np.argsort(np.argsort(np.asarray(texts["to_status"].categories, dtype=str)))
    order = np.lexsort((at.dt.tz_convert(None).to_numpy().astype("datetime64[us]").astype(np.int64),
                        rank[texts["to_status"].codes]))
    return [("id", "int8", event_ids[order]), ("issue_id", "int8", ids[order]),
            ("at", "timestamptz", at.iloc[order].reset_index(drop=True))] + [
        (name, "jsonb" if name == "data" else "text", values[order]) for name, values in texts.items()]


def _categorical(parts: list) -> pd.Categorical:
    """One Categorical from pieces that are (count, constant) or arrays of few distinct strings."""
    vocabulary: dict[str, int] = {}
    codes = []
    for part in parts:
        if isinstance(part, tuple):
            count, value = part
            code = -1 if value is None else vocabulary.setdefault(value, len(vocabulary))
            codes.append(np.full(count, code, dtype=np.int32))
        else:
            local, uniques = pd.factorize(part, use_na_sentinel=True)
            remap = np.array([vocabulary.setdefault(u, len(vocabulary)) for u in uniques] + [-1], dtype=np.int32)
            codes.append(remap[local])
    return pd.Categorical.from_codes(np.concatenate(codes), categories=pd.Index(list(vocabulary), dtype=object))


def event_count(rows: pd.DataFrame) -> int:
    """Return how many events event_columns makes for the rows."""
    status = rows["status"]
    return int(len(rows) + status.isin(list(PROGRESS_ACTIONS)).sum() + status.isin(SOLVED).sum()
               + status.isin(("verified", "closed")).sum() + (status == "closed").sum())


def reserve_ids(session: Session, table: str, n: int) -> int:
    """Take n consecutive ids of the table's sequence and return the first (the table must be locked)."""
    seq = session.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar_one()
    first = session.execute(text("SELECT nextval(:s)"), {"s": seq}).scalar_one()
    if n > 1:
        session.execute(text("SELECT setval(:s, :v)"), {"s": seq, "v": first + n - 1})
    return int(first)
