"""Reads of the rollups of migration 0004 (issue_cells, public_cells, issue_segment_counts), which triggers
keep equal to a GROUP BY of issues. They hold counts per cell, category and status only, so they answer
when the filters are category and status alone; team scope, blockage and periods need the live queries
of tiles.py (which select far fewer rows).

Every source here has the shape of its live twin in tiles.py, so one tile comes out the same either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from geo_app.domain.maps.filters import TileFilters


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
