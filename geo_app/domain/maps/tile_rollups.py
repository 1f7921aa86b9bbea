"""Reads of the rollups of migration 0004 (issue_cells, public_cells, issue_segment_counts), which triggers
keep equal to a GROUP BY of issues. They hold counts per cell, category and status only, so they answer
when the filters are category and status alone; team scope, blockage and periods need the live queries
of tiles.py (which select far fewer rows).

Every source here has the shape of its live twin in tiles.py, so one tile comes out the same either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from geo_app.domain.core.periods import split_period
from geo_app.domain.core.validation import period_bounds
from geo_app.domain.maps.filters import TileFilters
from geo_app.vocab import STATUSES


def usable(f: TileFilters) -> bool:
    """Return True when the rollups can answer a tile with filters `f` (category and status only)."""
    return f.team_ids is None and not f.blockage and not (f.start or f.end)


def _category(f: TileFilters, params: dict[str, Any], expanding: list[str]) -> str:
    if not f.categories:
        return ""
    params["cats"] = list(f.categories)
    expanding.append("cats")
    return " AND category IN :cats"


_RANGE = "level = :lvl AND cx BETWEEN :cx0 AND :cx1 AND cy BETWEEN :cy0 AND :cy1"


def issue_cells(f: TileFilters, statuses: tuple[str, ...], params: dict[str, Any], expanding: list[str]) -> str:
    """SQL of the cells (cx, cy, n, sx, sy) of issues in `statuses` at level :lvl in the :c… range."""
    params["statuses"] = list(statuses)
    expanding.append("statuses")
    return f"""SELECT cx, cy, sum(n)::int AS n, sum(sx) AS sx, sum(sy) AS sy FROM issue_cells
               WHERE {_RANGE} AND status IN :statuses{_category(f, params, expanding)} GROUP BY cx, cy"""


def public_cells(f: TileFilters, params: dict[str, Any], expanding: list[str]) -> str:
    """SQL of the cells (cx, cy, n, sx, sy) of solved issues placed at their segment's midpoint."""
    return f"""SELECT cx, cy, sum(n)::int AS n, sum(sx) AS sx, sum(sy) AS sy FROM public_cells
               WHERE {_RANGE}{_category(f, params, expanding)} GROUP BY cx, cy"""


_GISTAR_ALL = "i.status <> 'duplicate'"  # hotspots.issue_filter without category or period


def gistar_counts(session: Session, where: str, params: dict[str, Any]) -> np.ndarray | None:
    """Return (segment_id, count) rows of issue_segment_counts for Gi* over every issue, else None.

    Only the unfiltered count is kept: per segment and category the rollup would hold about as many rows
    as there are issues (the live count of one category reads a sixth of them through an index).
    """
    if where != _GISTAR_ALL or params:
        return None
    return rows_array(session.execute(text("SELECT segment_id, n FROM issue_segment_counts")))


def rows_array(rows: Iterable[Row[Any]]) -> npt.NDArray[np.int64]:
    """Return (id, count) result rows as an n × 2 int64 array.

    Through tuples: numpy reads SQLAlchemy rows far more slowly than plain tuples.
    """
    return np.array([tuple(r) for r in rows], dtype=np.int64).reshape(-1, 2)


# Month rollups (migration 0014): a period's heat and public tiles at zoom 12–13 read whole local months from
# them and count the days at the period's edges live, so a long period costs about what a short one does.
MONTH_LEVELS = {"heat": (15, 16), "public": (16, 17)}
MONTH_TABLES = {"heat": "heat_month_cells", "public": "public_month_cells"}
_OPEN_START, _OPEN_END = date(1900, 1, 1), date(2999, 12, 31)  # a period open at one end, as tiles._period_sql


def months_usable(layer: str, f: TileFilters, level: int) -> bool:
    """Return True when a period's tile of `layer` at cell `level` can read the month rollups: a period, and
    otherwise the filters the rollups keep (category; heat over every status, its default)."""
    if layer not in MONTH_LEVELS or level not in MONTH_LEVELS[layer] or not (f.start or f.end):
        return False
    if f.team_ids is not None or f.blockage:
        return False
    return layer == "public" or not f.statuses or set(f.statuses) == set(STATUSES)


def month_split(f: TileFilters) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """Return the whole local months [first, stop) of the filters' period and its edge day ranges [from, to)."""
    return split_period(f.start or _OPEN_START, f.end or _OPEN_END)


def month_cells(
    layer: str, f: TileFilters, months: tuple[date, date], params: dict[str, Any], expanding: list[str]
) -> str:
    """SQL of the cells (cx, cy, n, sx, sy) of `layer`'s month rollup over the months [first, stop)."""
    params.update(m0=months[0], m1=months[1])
    sums = "sx, sy" if layer == "public" else "0::numeric AS sx, 0::numeric AS sy"
    return f"""SELECT cx, cy, n, {sums} FROM {MONTH_TABLES[layer]}
               WHERE {_RANGE} AND month >= :m0 AND month < :m1{_category(f, params, expanding)}"""


def edge_condition(col: str, edges: list[tuple[date, date]], params: dict[str, Any]) -> str:
    """SQL of `col` within the edge day ranges (local days, as UTC instants in :e<k>_lo / :e<k>_hi)."""
    parts = []
    for k, (a, b) in enumerate(edges):
        lo, hi = period_bounds(a, b - timedelta(days=1))
        params.update({f"e{k}_lo": lo, f"e{k}_hi": hi})
        parts.append(f"({col} >= :e{k}_lo AND {col} < :e{k}_hi)")
    return "(" + " OR ".join(parts) + ")"


def merged(*cells: str) -> str:
    """SQL of the cells (cx, cy, n, sx, sy) of several sources added up."""
    return f"""SELECT cx, cy, sum(n)::int AS n, sum(sx) AS sx, sum(sy) AS sy
               FROM ({" UNION ALL ".join(f"({c})" for c in cells)}) u GROUP BY cx, cy"""
