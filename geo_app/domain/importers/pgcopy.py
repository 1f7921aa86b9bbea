"""PostgreSQL's binary COPY format, built from whole columns with numpy instead of row by row.

The server then parses no text (numbers, times and geometries arrive in their binary form), and the
client spends a fraction of what formatting CSV costs. Columns are (kind, values) pairs; a value that is
None, NaN or NaT is written as NULL. Kinds: int2, int4, int8, float8, timestamptz (fixed width), text and
jsonb (strings; a pandas Categorical skips encoding each row), bytea and geometry (bytes; EWKB), and raw: an (n, w)
uint8 array of values already in binary form (e.g. EWKB points), never NULL.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
_FIXED = {"int2": ">i2", "int4": ">i4", "int8": ">i8", "float8": ">f8", "timestamptz": ">i8"}
_PG_EPOCH_US = 946_684_800_000_000      # 2000-01-01 in microseconds since 1970-01-01


_NULL = b"\xff\xff\xff\xff"
_BYTES = ("bytea", "geometry")                              # bytes as they are (geometry: EWKB)


def _fixed(kind: str, values) -> tuple[np.ndarray, np.ndarray]:
    """Return (length word and big-endian value per row as an (n, 4 + width) uint8 array, null mask)."""
    series = pd.Series(values)
    null = series.isna().to_numpy()
    if kind == "timestamptz":
        if series.dtype.kind != "M":
            series = pd.to_datetime(series, utc=True)
        if series.dt.tz is not None:
            series = series.dt.tz_convert(None)             # UTC, without going through objects
        ints = series.to_numpy().astype("datetime64[us]").astype(np.int64) - _PG_EPOCH_US
    else:
        ints = series.fillna(0).to_numpy()
    return _with_length(np.ascontiguousarray(ints.astype(_FIXED[kind])).view(np.uint8).reshape(len(ints), -1)), null


def _with_length(raw: np.ndarray) -> np.ndarray:
    out = np.empty((raw.shape[0], raw.shape[1] + 4), dtype=np.uint8)
    out[:, :4] = np.frombuffer(raw.shape[1].to_bytes(4, "big"), dtype=np.uint8)
    out[:, 4:] = raw
    return out


def _variable(kind: str, values) -> list[np.ndarray]:
    """Return each row's field as grid columns of bytes: the length word (or the NULL word), the bytes."""
    prefix = b"\x01" if kind == "jsonb" else b""           # jsonb's binary form: version 1, then the text
    if isinstance(values, pd.Categorical):                  # few distinct values: encode each once
        fields = [prefix + str(u).encode("utf-8") for u in values.categories]
        fields = np.array([len(f).to_bytes(4, "big") + f for f in fields] + [_NULL], dtype=object)
        return [fields[values.codes]]                       # -1 picks the trailing NULL
    values = np.asarray(values, dtype=object)
    null = pd.isna(values)
    if null.all():
        return [np.full(len(values), _NULL, dtype=object)]
    if null.any():
        values = values.copy()
        values[null] = b"" if kind in _BYTES else ""
    if kind in _BYTES:
        payload = np.array([bytes(v) for v in values], dtype=object)
    elif prefix:
        payload = np.array([prefix + v.encode("utf-8") for v in values], dtype=object)
    else:
        payload = np.array([v.encode("utf-8") for v in values], dtype=object)
    lengths = np.fromiter(map(len, payload), dtype=np.int64, count=len(payload))
    words = _as_objects(lengths.astype(">i4").view(np.uint8).reshape(-1, 4))
    words[null] = _NULL
    payload[null] = b""
    return [words, payload]


def _as_objects(block: np.ndarray) -> np.ndarray:
    return np.array(np.ascontiguousarray(block).view(f"V{block.shape[1]}").ravel().tolist(), dtype=object)


def is_fixed(kind: str) -> bool:
    """Fixed-width kinds; encode_rows wants them before the others (order the COPY columns alike)."""
    return kind in _FIXED or kind == "raw"


def _fixed_block(columns: list[tuple[str, object]], n: int) -> np.ndarray:
    """Return the field count and every fixed-width field of each row as one bytes object per row.

    Rows with the same NULLs share a layout, so each such group is one (rows, width) array."""
    blocks, nulls = [], []
    for kind, values in columns:
        block, null = (_with_length(values), np.zeros(n, dtype=bool)) if kind == "raw" else _fixed(kind, values)
        blocks.append(block)
        nulls.append(null)
    out = np.empty(n, dtype=object)
    if not blocks:
        return out
    pattern = np.packbits(np.column_stack(nulls), axis=1, bitorder="little")
    keys, group = np.unique(pattern, axis=0, return_inverse=True)
    null_word = np.frombuffer(_NULL, dtype=np.uint8)
    for k in range(len(keys)):
        rows = np.flatnonzero(group.ravel() == k)
        first = rows[0]
        parts = [null_word[None, :].repeat(len(rows), axis=0) if null[first] else block[rows]
                 for block, null in zip(blocks, nulls, strict=True)]
        out[rows] = _as_objects(np.hstack(parts))
    return out


def encode_rows(columns: list[tuple[str, object]]) -> bytes:
    """Return the binary COPY tuples (no header, no trailer) of equally long columns, fixed-width first.

    Each row becomes a few bytes objects (all its fixed-width fields one, each text one or two), and the
    tuples are the row-major join of that grid: no Python loop over rows and fields."""
    n = len(columns[0][1])
    fixed = [(kind, values) for kind, values in columns if is_fixed(kind)]
    if any(is_fixed(kind) for kind, _ in columns[len(fixed):]):
        raise ValueError("fixed-width columns must come first")
    grid = [np.full(n, len(columns).to_bytes(2, "big"), dtype=object)]
    if fixed:
        grid.append(_fixed_block(fixed, n))
    for kind, values in columns[len(fixed):]:
        grid.extend(_variable(kind, values))
    return b"".join(np.column_stack(grid).ravel())


def chunks(columns: list[tuple[str, object]], rows: int = 100_000) -> Iterator[bytes]:
    """Yield the whole binary COPY stream (header, tuples, trailer) in pieces of `rows` rows."""
    n = len(columns[0][1]) if columns else 0
    yield HEADER
    for start in range(0, n, rows):
        yield encode_rows([(kind, _slice(values, start, start + rows)) for kind, values in columns])
    yield TRAILER


def _slice(values, start: int, stop: int):
    if isinstance(values, pd.Series):
        return values.iloc[start:stop]
    return values[start:stop]
