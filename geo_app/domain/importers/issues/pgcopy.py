"""PostgreSQL's binary COPY format, built from whole columns with numpy instead of row by row.

The server then parses no text (numbers, times and geometries arrive in their binary form), and the
client spends a fraction of what formatting CSV costs. Columns are (kind, values) pairs; a value that is
None, NaN or NaT is written as NULL. Kinds: int2, int4, int8, float8, timestamptz, date (fixed width), text and
jsonb (strings; a pandas Categorical skips encoding each row), bytea and geometry (bytes; EWKB), and raw: an (n, w)
uint8 array of values already in binary form (e.g. EWKB points), never NULL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
_FIXED = {"int2": ">i2", "int4": ">i4", "int8": ">i8", "float8": ">f8", "timestamptz": ">i8", "date": ">i4"}
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in microseconds since 1970-01-01
_PG_EPOCH_DAYS = 10_957  # 2000-01-01 in days since 1970-01-01


_NULL = b"\xff\xff\xff\xff"
_BYTES = ("bytea", "geometry")  # bytes as they are (geometry: EWKB)

# (kind, values): values are a numpy array, a list, a pandas Series or a pandas Categorical
Column = tuple[str, Any]


def _fixed(kind: str, values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return (length word and big-endian value per row as an (n, 4 + width) uint8 array, null mask)."""
    series = pd.Series(values)
    null = series.isna().to_numpy()
    if kind == "timestamptz":
        if series.dtype.kind != "M":
            series = pd.to_datetime(series, utc=True)
        if series.dt.tz is not None:
            series = series.dt.tz_convert(None)  # UTC, without going through objects
        ints = series.to_numpy().astype("datetime64[us]").astype(np.int64) - _PG_EPOCH_US
    elif kind == "date":  # naive dates or midnights: the day they fall on
        ints = (
            pd.to_datetime(series).fillna(pd.Timestamp(0)).to_numpy().astype("datetime64[D]").astype(np.int64)
            - _PG_EPOCH_DAYS
        )
    else:
        ints = series.fillna(0).to_numpy()
    return _with_length(np.ascontiguousarray(ints.astype(_FIXED[kind])).view(np.uint8).reshape(len(ints), -1)), null


def _with_length(raw: np.ndarray) -> np.ndarray:
    out = np.empty((raw.shape[0], raw.shape[1] + 4), dtype=np.uint8)
    out[:, :4] = np.frombuffer(raw.shape[1].to_bytes(4, "big"), dtype=np.uint8)
    out[:, 4:] = raw
    return out


def _variable(kind: str, values: Any) -> list[np.ndarray]:
    """Return each row's field as grid columns of bytes: the length word (or the NULL word), the bytes."""
    prefix = b"\x01" if kind == "jsonb" else b""  # jsonb's binary form: version 1, then the text
    if isinstance(values, pd.Categorical):  # few distinct values: encode each once
        encoded = [prefix + str(u).encode("utf-8") for u in values.categories]
        fields = np.array([len(f).to_bytes(4, "big") + f for f in encoded] + [_NULL], dtype=object)
        return [fields[values.codes]]  # -1 picks the trailing NULL
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
    """Fixed-width kinds; encode_rows wants them first (order the COPY columns alike, see `ordered`)."""
    return kind in _FIXED or kind == "raw"


def ordered(kinds: list[str], values: list[Any]) -> list[int]:
    """Return the column positions in the order encode_rows wants: fixed width, Categoricals, the rest."""
    rank = [0 if is_fixed(k) else 1 if isinstance(v, pd.Categorical) else 2 for k, v in zip(kinds, values, strict=True)]
    return sorted(range(len(kinds)), key=rank.__getitem__)


def _fixed_block(count: int, columns: list[Column], n: int) -> np.ndarray:
    """Return the field count and every fixed-width field of each row as one bytes object per row.

    Rows with the same NULLs share a layout, so each such group is one (rows, width) array."""
    blocks = [np.frombuffer(count.to_bytes(2, "big"), dtype=np.uint8)[None, :].repeat(n, axis=0)]
    nulls = [np.zeros(n, dtype=bool)]
    for kind, values in columns:
        block, null = (_with_length(values), np.zeros(n, dtype=bool)) if kind == "raw" else _fixed(kind, values)
        blocks.append(block)
        nulls.append(null)
    out = np.empty(n, dtype=object)
    pattern = np.packbits(np.column_stack(nulls), axis=1, bitorder="little")
    keys, group = np.unique(pattern, axis=0, return_inverse=True)
    null_word = np.frombuffer(_NULL, dtype=np.uint8)
    for k in range(len(keys)):
        rows = np.flatnonzero(group.ravel() == k)
        first = rows[0]
        parts = [
            null_word[None, :].repeat(len(rows), axis=0) if null[first] else block[rows]
            for block, null in zip(blocks, nulls, strict=True)
        ]
        out[rows] = _as_objects(np.hstack(parts))
    return out


def _categoricals(columns: list[Column]) -> np.ndarray:
    """Return the fields of side-by-side Categorical columns as one bytes object per row (one per combination)."""
    fields = [
        _variable(kind, pd.Categorical.from_codes(np.arange(-1, len(values.categories)), values.categories))[0]
        for kind, values in columns
    ]  # field bytes of NULL and of each category
    combined = np.zeros(len(columns[0][1]), dtype=np.int64)
    for _, values in columns:
        combined = combined * (len(values.categories) + 1) + values.codes + 1
    combos, row_combo = np.unique(combined, return_inverse=True)
    per_combo, rest = [], combos.copy()
    for (_, values), field in reversed(list(zip(columns, fields, strict=True))):
        per_combo.append(field[rest % (len(values.categories) + 1)])
        rest //= len(values.categories) + 1
    joined = np.array([b"".join(parts) for parts in zip(*reversed(per_combo), strict=True)], dtype=object)
    return joined[row_combo.ravel()]


def encode_rows(columns: list[Column]) -> bytes:
    """Return the binary COPY tuples (no header, no trailer) of equally long columns, in `ordered` order.

    Each row becomes a few bytes objects (its field count and fixed-width fields one, its Categoricals
    one, each other text one or two), and the tuples are the row-major join of that grid: no Python loop
    over rows and fields."""
    n = len(columns[0][1])
    order = ordered([k for k, _ in columns], [v for _, v in columns])
    if order != sorted(order):
        raise ValueError("columns must come fixed-width first, then Categoricals, then the rest")
    fixed = [(kind, values) for kind, values in columns if is_fixed(kind)]
    categorical = [(kind, values) for kind, values in columns[len(fixed) :] if isinstance(values, pd.Categorical)]
    grid = [_fixed_block(len(columns), fixed, n)]
    if categorical:
        grid.append(_categoricals(categorical))
    for kind, values in columns[len(fixed) + len(categorical) :]:
        grid.extend(_variable(kind, values))
    return b"".join(np.column_stack(grid).ravel())


def chunks(columns: list[Column], rows: int = 100_000) -> Iterator[bytes]:
    """Yield the whole binary COPY stream (header, tuples, trailer) in pieces of `rows` rows."""
    n = len(columns[0][1]) if columns else 0
    yield HEADER
    for start in range(0, n, rows):
        yield encode_rows([(kind, _slice(values, start, start + rows)) for kind, values in columns])
    yield TRAILER


def _slice(values: Any, start: int, stop: int) -> Any:
    if isinstance(values, pd.Series):
        return values.iloc[start:stop]
    return values[start:stop]
