"""The month rollups' share of a bulk load (migration 0014's insert trigger), computed in memory like the rest
of bulk_rollups: heat cells per local month of report, public cells per local month of resolution.

Keys use bulk_rollups' exact Mercator cells (the level-17 cell shifted, as merc_cell_x/y nest every level) and
the local months of report_deltas; tests compare both rollups with a recount after bulk imports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo_app.domain.core.localtime import zone_name as local_zone_name
from geo_app.domain.importers.issues.bulk_rollups import Delta, Inputs, _cells, _sum, _text
from geo_app.domain.importers.issues.write import NamedColumn, utc_us
from geo_app.domain.maps.tile_grid import ROLLUP_LEVEL
from geo_app.vocab import SOLVED_STATUSES

HEAT_LEVELS, PUBLIC_LEVELS = (15, 16), (16, 17)  # as migration 0014
KEYS = ("level", "month", "cx", "cy", "category")


def _months(values: pd.Series) -> pd.Series:
    """Return the first day of the local month of each time (NaT stays NaT)."""
    local = pd.Series(utc_us(values)).dt.tz_localize("UTC").dt.tz_convert(local_zone_name()).dt.tz_localize(None)
    return local.dt.to_period("M").dt.start_time


def _at_levels(frame: pd.DataFrame, cx: np.ndarray, cy: np.ndarray, levels: tuple[int, ...]) -> pd.DataFrame:
    """Return `frame` once a level, with the level-ROLLUP_LEVEL cells (cx, cy) shifted to it."""
    return pd.concat(
        [frame.assign(level=lv, cx=cx >> (ROLLUP_LEVEL - lv), cy=cy >> (ROLLUP_LEVEL - lv)) for lv in levels],
        ignore_index=True,
    )


def month_deltas(col: dict[str, pd.Series], cx: np.ndarray, cy: np.ndarray, inputs: Inputs) -> list[Delta]:
    """Return the deltas of heat_month_cells and public_month_cells for new issues whose points lie in the
    level-ROLLUP_LEVEL cells (cx, cy)."""
    category = col["category"].astype(object)
    heat = pd.DataFrame({"month": _months(col["reported_at"]), "category": category, "n": 1})
    heat = _sum(_at_levels(heat, cx, cy, HEAT_LEVELS), list(KEYS), ["n"])
    solved = (col["status"].isin(SOLVED_STATUSES) & col["segment_id"].notna() & col["resolved_at"].notna()).to_numpy()
    per_segment = (
        pd.DataFrame(
            {
                "month": _months(col["resolved_at"])[solved],
                "segment_id": col["segment_id"][solved].astype(np.int64),
                "category": category[solved],
            }
        )
        .groupby(["month", "segment_id", "category"], observed=True)
        .size()
        .rename("n")
        .reset_index()
    )
    mid = inputs.midpoints.loc[per_segment["segment_id"].to_numpy()]
    mx, my = mid["mx"].to_numpy(np.int64), mid["my"].to_numpy(np.int64)
    pcx, pcy = _cells(mx, my)
    n = per_segment["n"].to_numpy(np.int64)
    public = pd.DataFrame(
        {
            "month": per_segment["month"].to_numpy(),
            "category": per_segment["category"].to_numpy(object),
            "n": n,
            "sx": n * mx,
            "sy": n * my,
        }
    )
    public = _sum(_at_levels(public, pcx, pcy, PUBLIC_LEVELS), list(KEYS), ["n", "sx", "sy"])

    def keyed(frame: pd.DataFrame) -> list[NamedColumn]:
        return [
            ("level", "int2", frame["level"].to_numpy(np.int16)),
            ("month", "date", frame["month"]),
            ("cx", "int4", frame["cx"].to_numpy(np.int32)),
            ("cy", "int4", frame["cy"].to_numpy(np.int32)),
            ("category", "text", _text(frame["category"])),
        ]

    return [
        Delta("heat_month_cells", KEYS, [*keyed(heat), ("n", "int4", heat["n"].to_numpy(np.int32))]),
        Delta(
            "public_month_cells",
            KEYS,
            [
                *keyed(public),
                ("n", "int4", public["n"].to_numpy(np.int32)),
                ("sx", "int8", public["sx"].to_numpy(np.int64)),
                ("sy", "int8", public["sy"].to_numpy(np.int64)),
            ],
        ),
    ]
