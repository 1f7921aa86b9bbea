"""Checks over a whole text column at once, with the same answers as Python's per-value `re` and `str`.

A column's values are joined and seen as one numpy array of code points: character-class checks
(control characters, allowed characters, leading or trailing whitespace) are numpy comparisons, and a
regular expression runs only on the values that contain one of the characters it cannot match without.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import numpy as np
import numpy.typing as npt
import pandas as pd

_SEPARATOR = 0x110000  # beyond Unicode: never in a character class


@cache
def whitespace() -> np.ndarray:
    """Code points that str.isspace() and re's \\s accept (Unicode has none above U+3000)."""
    return np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)


def _table(codepoints: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    table = np.zeros(0x110001, dtype=bool)
    table[np.asarray(codepoints, dtype=np.int64)] = True
    return table


class TextColumn:
    """A column of str values as code points, with where each value starts."""

    def __init__(self, values: npt.NDArray[np.object_]) -> None:
        self.values = values
        self.lengths: npt.NDArray[np.int64] = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        self.starts: npt.NDArray[np.int64] = np.cumsum(self.lengths + 1) - (self.lengths + 1)
        self.empty = not self.lengths.any()
        # the separators stay NUL here: _rows drops any hit on one
        self.cp: npt.NDArray[np.uint32] = (
            np.frombuffer(("\x00".join(values) + "\x00").encode("utf-32-le"), dtype=np.uint32)
            if not self.empty
            else np.zeros(len(values) + 1, dtype=np.uint32)
        )

    def _rows(self, positions: np.ndarray) -> np.ndarray:
        if self.empty:
            return np.zeros(len(self.values), dtype=bool)
        mask = np.zeros(len(self.values), dtype=bool)
        rows = np.searchsorted(self.starts, positions, side="right") - 1
        mask[rows[positions != self.starts[rows] + self.lengths[rows]]] = True
        return mask

    def has_any(self, codepoints: npt.ArrayLike) -> np.ndarray:
        """Which values contain one of the code points."""
        return self._rows(np.flatnonzero(_table(codepoints)[self.cp]))

    def has_other_than(self, codepoints: npt.ArrayLike) -> np.ndarray:
        """Which values contain a code point not among these."""
        return self._rows(np.flatnonzero(~_table(codepoints)[self.cp]))

    def edge_space(self) -> npt.NDArray[np.bool_]:
        """Which values start or end with whitespace (what str.strip() would change)."""
        if self.empty:
            return np.zeros(len(self.values), dtype=bool)
        some = self.lengths > 0
        space = _table(whitespace())
        edge: npt.NDArray[np.bool_] = some & (
            space[self.cp[self.starts]] | space[self.cp[np.maximum(self.starts + self.lengths - 1, 0)]]
        )
        return edge

    def search(self, pattern: re.Pattern[str], needs: str) -> np.ndarray:
        """Which values `pattern.search` finds something in; a match always holds a character of `needs`."""
        candidates = np.flatnonzero(self.has_any([ord(c) for c in needs]))
        mask = np.zeros(len(self.values), dtype=bool)
        mask[candidates] = [pattern.search(self.values[i]) is not None for i in candidates]
        return mask

    def tail(self, width: int) -> np.ndarray:
        """The last `width` code points of each value, right-aligned (padded with the separator)."""
        offsets = np.arange(-width, 0)
        index = (self.starts + self.lengths)[:, None] + offsets
        inside = offsets[None, :] >= -self.lengths[:, None]
        return np.where(inside, self.cp[np.maximum(index, 0)], _SEPARATOR)


def strip_all(frame: pd.DataFrame, names: Iterable[str]) -> dict[str, TextColumn]:
    """Return the named columns with their values str.strip()ped (only the values that need it)."""
    out: dict[str, TextColumn] = {}
    for name in names:
        column = TextColumn(frame[name].to_numpy(dtype=object))
        edge = column.edge_space()
        if edge.any():
            values = column.values.copy()
            values[edge] = [v.strip() for v in values[edge]]
            column = TextColumn(values)
        out[name] = column
    return out


def ends_with_offset(column: TextColumn, pattern: re.Pattern[str]) -> npt.NDArray[np.bool_]:
    """Which values end with 'Z', '+hh:mm' or '+hhmm' (`pattern` says the same for values that are not ASCII)."""
    values = column.values
    t = column.tail(6)
    digit = (t >= 0x30) & (t <= 0x39)
    sign = (t == 0x2B) | (t == 0x2D)
    ascii_end: npt.NDArray[np.bool_] = t[:, 5] == 0x5A
    ascii_end |= sign[:, 0] & digit[:, 1] & digit[:, 2] & (t[:, 3] == 0x3A) & digit[:, 4] & digit[:, 5]
    ascii_end |= sign[:, 1] & digit[:, 2:].all(axis=1)
    other = np.flatnonzero(((t >= 0x80) & (t != _SEPARATOR)).any(axis=1))  # e.g. non-ASCII digits: ask re
    ascii_end[other] = [pattern.search(values[i]) is not None for i in other]
    return ascii_end


def looks_like_ref(column: TextColumn, pattern: re.Pattern[str]) -> np.ndarray:
    """Which values are LETTERS-YYYY-NNNNN… ([A-Z]{1,10}-\\d{4}-\\d{5,}, `pattern`), whole-value.

    Values of equal length form a rectangle of code points checked at once; values with non-ASCII
    characters (Unicode digits count as \\d) are left to `pattern.fullmatch`."""
    ok = np.zeros(len(column.values), dtype=bool)
    for length in np.unique(column.lengths):
        rows = np.flatnonzero(column.lengths == length)
        if length < 12:  # A-2020-12345 is the shortest
            continue
        m = column.cp[column.starts[rows][:, None] + np.arange(length)]
        ascii_rows = (m < 0x80).all(axis=1)
        upper = (m >= 0x41) & (m <= 0x5A)
        digit = (m >= 0x30) & (m <= 0x39)
        k = np.argmin(upper, axis=1)  # letters before the first dash
        at = [np.minimum(k + offset, length - 1) for offset in range(7)]
        line = np.arange(len(rows))
        tail_digits = np.cumsum(~digit[:, ::-1], axis=1)[:, ::-1] == 0  # digits from here to the end
        good = (k >= 1) & (k <= 10) & (length - k - 6 >= 5) & (m[line, at[0]] == 0x2D) & (m[line, at[5]] == 0x2D)
        good &= digit[line, at[1]] & digit[line, at[2]] & digit[line, at[3]] & digit[line, at[4]]
        good &= tail_digits[line, at[6]]
        ok[rows] = ascii_rows & good
        other = rows[~ascii_rows]
        ok[other] = [pattern.fullmatch(column.values[i]) is not None for i in other]
    return ok
