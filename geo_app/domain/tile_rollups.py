"""Reads of the tile rollups (migration 0004: issue_cells, issue_segments, public_cells), which triggers keep
equal to a GROUP BY of issues. They hold counts per cell / segment, category and status only, so they
answer when the filters are category and status alone; team scope, blockage and periods need the live
queries of tiles.py (which select far fewer rows).

Every source here has the shape of its live twin in tiles.py, so one tile comes out the same either way.
"""
from __future__ import annotations

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from .map_filters import TileFilters


def usable(f: TileFilters) -> bool:
    """Return True when the rollups can answer a tile with filters `f` (category and status only)."""
    return f.team_ids is None and not f.blockage and not (f.start or f.end)


def _category(f: TileFilters, params: dict, expanding: list[str]) -> str:
    if not f.categories:
        return ""
    params["cats"] = list(f.categories)
    expanding.append("cats")
    return " AND category IN :cats"


_RANGE = "level = :lvl AND cx BETWEEN :cx0 AND :cx1 AND cy BETWEEN :cy0 AND :cy1"


def issue_cells(f: TileFilters, statuses: tuple[str, ...], params: dict, expanding: list[str]) -> str:
    """SQL of the cells (cx, cy, n, sx, sy) of issues in `statuses` at level :lvl in the :c… range."""
    params["statuses"] = list(statuses)
    expanding.append("statuses")
    return f"""SELECT cx, cy, sum(n)::int AS n, sum(sx) AS sx, sum(sy) AS sy FROM issue_cells
               WHERE {_RANGE} AND status IN :statuses{_category(f, params, expanding)} GROUP BY cx, cy"""


def public_cells(f: TileFilters, params: dict, expanding: list[str]) -> str:
    """SQL of the cells (cx, cy, n, sx, sy) of solved issues placed at their segment's midpoint."""
    return f"""SELECT cx, cy, sum(n)::int AS n, sum(sx) AS sx, sum(sy) AS sy FROM public_cells
               WHERE {_RANGE}{_category(f, params, expanding)} GROUP BY cx, cy"""


def public_segments(f: TileFilters, statuses: tuple[str, ...], params: dict, expanding: list[str]) -> str:
    """SQL of (segment_id, category, n, last) of solved issues per segment of the CTE `seg`."""
    params["statuses"] = list(statuses)
    expanding.append("statuses")
    return f"""SELECT segment_id, category, sum(n) AS n, max(last_resolved_at) AS last FROM issue_segments
               WHERE segment_id IN (SELECT id FROM seg) AND status IN :statuses{_category(f, params, expanding)}
               GROUP BY 1, 2"""


# the exact conditions hotspots.issue_filter builds without a period
_GISTAR_ALL = "i.status <> 'duplicate'"
_GISTAR_CATEGORY = "i.status <> 'duplicate' AND i.category = :category"


def gistar_counts(session: Session, where: str, params: dict) -> np.ndarray | None:
    """Return (segment_id, count) rows from issue_segments for Gi*'s filter, or None when it has a period."""
    if where == _GISTAR_ALL:
        sql, bind = "", {}
    elif where == _GISTAR_CATEGORY and set(params) == {"category"}:
        sql, bind = " AND category = :category", {"category": params["category"]}
    else:
        return None
    rows = session.execute(text(f"""SELECT segment_id, sum(n) FROM issue_segments
                                    WHERE status <> 'duplicate'{sql} GROUP BY segment_id"""), bind).all()
    return np.array(rows, dtype=np.int64).reshape(-1, 2)
