"""Date/time columns of an import, parsed column-wise: each value's layout is told from a few of its characters
(numpy over the column's code points), then each layout is parsed in one call with its explicit format.

Parsing a column with a stated format is C code in pandas; guessing per value (dateutil) cost ~20x more for
US dates. Layouts: ISO 8601 (with or without offset), US `MM/DD/YYYY[ hh:mm[:ss] AM]` (12- or 24-hour), and
`YYYY/MM/DD[ HH:MM[:SS]]`. Anything else falls back to the per-value parser, which is slow but knows more.
Naive times are wall-clock times in the given zone; one that does not exist (the hour skipped when clocks go
forward) or that happens twice (the hour repeated when they go back) is left empty, and the row refused.
"""

from __future__ import annotations

import contextlib
import re
from datetime import tzinfo

import numpy as np
import pandas as pd

from geo_app.domain.core.validation import parse_datetime
from geo_app.domain.errors import DomainError
from geo_app.domain.importers.issues.textscan import TextColumn, ends_with_offset

_TZ_END = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})\s*$")
US = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")
YMD = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")
SLASH, DASH = ord("/"), ord("-")


def parse_times(
    column: TextColumn, field_name: str, zone: tzinfo, date_format: str | None = None
) -> tuple[pd.Series, np.ndarray]:
    """Return the column's instants (UTC; NaT where a value is empty or cannot be read), and which values were
    read but are no single time in `zone` (skipped or repeated when the clocks change)."""
    text, given = pd.Series(column.values, dtype=object), column.lengths > 0
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    unclear = np.zeros(len(text), dtype=bool)
    if date_format is not None:
        _parse(text, given, date_format, zone, out, unclear)
        return out, unclear
    aware = ends_with_offset(column, _TZ_END)  # the column's code points, not a second copy of them
    if aware.any():
        out[aware] = pd.to_datetime(text[aware], format="ISO8601", utc=True, errors="coerce")
    naive = ~aware & given
    at = [_char(column, k) for k in range(5)]
    us = naive & ((at[1] == SLASH) | (at[2] == SLASH))  # M/D/YYYY or MM/DD/YYYY
    ymd = naive & (at[4] == SLASH)
    iso = naive & ~us & ~ymd & (at[4] == DASH)
    _us_fixed(column, text, us, zone, out, unclear)  # the usual export layout, without strptime
    for mask, formats in ((iso, ("ISO8601",)), (us, US), (ymd, YMD)):
        for fmt in formats:  # the most common layout first; the rest only for what it left
            left = mask & out.isna().to_numpy()
            if not left.any():
                break
            _parse(text, left & ~unclear, fmt, zone, out, unclear)
    for idx in out.index[out.isna().to_numpy() & given & ~us & ~ymd & ~unclear]:  # '06.05.2020', 'May 6 2020' …
        with contextlib.suppress(DomainError):  # left NaT: the row is rejected with the field's reason
            out[idx] = pd.Timestamp(parse_datetime(text[idx], field_name, zone)).tz_convert("UTC")
    return out, unclear


def _us_fixed(
    column: TextColumn, text: pd.Series, rows: np.ndarray, zone: tzinfo, out: pd.Series, unclear: np.ndarray
) -> None:
    """Read `MM/DD/YYYY hh:mm:ss AM` values (22 characters) from their code points: the fields are numpy
    arithmetic, the date assembled by pandas in one call. Values of another shape are left to strptime."""
    idx = np.flatnonzero(rows & (column.lengths == 22))
    if not len(idx):
        return
    starts = column.starts[idx]

    def at(k: int) -> np.ndarray:  # the k-th code point of each value, one gather per position
        found: np.ndarray = column.cp[starts + k].astype(np.int32)
        return found

    def num(*ks: int) -> tuple[np.ndarray, np.ndarray]:  # (the number the digits at ks make, all digits?)
        value, digits = np.zeros(len(idx), dtype=np.int32), np.ones(len(idx), dtype=bool)
        for k in ks:
            d = at(k) - 48
            digits &= (d >= 0) & (d <= 9)
            value = value * 10 + d
        return value, digits

    (month, m_ok), (day, d_ok), (year, y_ok) = num(0, 1), num(3, 4), num(6, 7, 8, 9)
    (hour12, h_ok), (minute, n_ok), (second, s_ok) = num(11, 12), num(14, 15), num(17, 18)
    ok = m_ok & d_ok & y_ok & h_ok & n_ok & s_ok
    for k, sep in ((2, "/"), (5, "/"), (10, " "), (13, ":"), (16, ":"), (19, " ")):
        ok &= at(k) == ord(sep)
    half, last = at(20) | 0x20, at(21) | 0x20  # lower case
    ok &= (last == ord("m")) & ((half == ord("a")) | (half == ord("p")))
    ok &= (hour12 >= 1) & (hour12 <= 12) & (minute < 60) & (second < 60)
    fields = pd.DataFrame(
        {
            "year": year,
            "month": month,
            "day": day,
            "hour": hour12 % 12 + 12 * (half == ord("p")),
            "minute": minute,
            "second": second,
        }
    )[ok]
    if fields.empty:
        return
    parsed = pd.to_datetime(fields, errors="coerce")  # 02/30/2024: NaT, and strptime says the same
    mine = np.zeros(len(text), dtype=bool)
    mine[idx[ok]] = True
    parsed.index = text.index[mine]
    _localize(parsed, mine, zone, out, unclear)


def _char(column: TextColumn, k: int) -> np.ndarray:
    """The k-th code point of each value (0 where the value is shorter)."""
    inside = column.lengths > k
    found = np.zeros(len(column.values), dtype=np.uint32)
    if not column.empty:
        found[inside] = column.cp[column.starts[inside] + k]
    return found


def _parse(text: pd.Series, rows: np.ndarray, fmt: str, zone: tzinfo, out: pd.Series, unclear: np.ndarray) -> None:
    """Parse text[rows] with one format into `out`: offsets kept, naive values read in `zone` (`unclear`
    marks those that name no single time there)."""
    with_offset = "%z" in fmt or "%Z" in fmt  # several offsets in one column: read each, keep the instant
    parsed = pd.to_datetime(text[rows], format=fmt, errors="coerce", utc=with_offset)
    _localize(parsed, rows, zone, out, unclear)


def _localize(parsed: pd.Series, rows: np.ndarray, zone: tzinfo, out: pd.Series, unclear: np.ndarray) -> None:
    """Store the parsed values of `rows` in `out` as UTC: naive ones read in `zone`."""
    if getattr(parsed.dtype, "tz", None) is None:
        read = parsed.notna().to_numpy()
        parsed = parsed.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        unclear[np.flatnonzero(rows)[read & parsed.isna().to_numpy()]] = True
    out[rows] = parsed.dt.tz_convert("UTC")
