"""The rollups' share of a bulk load, computed from the loaded rows in memory instead of by the triggers.

The statement-level insert triggers of migrations 0004 (tile rollups), 0005 (report rollups) and 0014
(month rollups: bulk_month_rollups) add much server time to a large COPY, most of it in the executor's
per-row work. The bulk import holds ACCESS EXCLUSIVE locks on `issues` and `street_segments` (bulk_ddl), so
no other writer can move the rollups meanwhile: it suspends those triggers for its COPY, computes the same
deltas here with pandas (in a worker thread, while the server loads the events) and merges them with one
upsert per rollup, in key order as the triggers do.

Exactness: the keys are computed with the same floating-point operations as the SQL functions of 0004
(`merc_x_cm`, `merc_y_cm` through the C library's tan and log, as PostgreSQL's; `merc_cell_x/y`), the
local months and years of 0005 and its hour buckets (`width_bucket` over the server's own edges). Segment
midpoints are computed by the server. The tests compare every rollup with a recount after bulk imports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.core.localtime import zone_name as local_zone_name
from geo_app.domain.importers.issues.write import NamedColumn, copy_columns, utc_us
from geo_app.domain.maps.tile_grid import ROLLUP_LEVEL
from geo_app.vocab import SOLVED_STATUSES

# whose work `deltas` + `apply` do
INSERT_TRIGGERS = ("issues_rollups_insert", "report_rollups_insert", "issues_month_rollups_insert")
KEY_COLUMNS = ("category", "status", "resolution", "segment_id", "team_id", "reported_at", "resolved_at")
ISSUE_LEVELS, PUBLIC_LEVELS = (16, 15), (16,)  # coarser levels of 0004, merged from ROLLUP_LEVEL
_X_CM = 11131949.079327357  # merc_x_cm: round(lon * this)
_Y_CM = 637813700.0  # merc_y_cm: round(ln(tan(pi() / 4 + radians(lat) / 2)) * this)
_RADIANS_PER_DEGREE = 0.0174532925199432957692  # PostgreSQL's radians()
PROBE_UP_TO = 10_000  # midpoints: probe fewer ids than this (or half the network)
_ORIGIN_CM, _CELL18_CM = 2003750834.2789244, 15287.405657035251  # merc_cell_x/y


@dataclass
class Delta:
    """Rows to add to one rollup: its key columns, and (column, COPY kind, values) of keys and sums."""

    table: str
    keys: tuple[str, ...]
    columns: list[NamedColumn]


def suspend_triggers(session: Session) -> None:
    """Disable the rollup insert triggers until `resume_triggers` (same transaction; a rollback restores)."""
    for name in INSERT_TRIGGERS:
        session.execute(text(f"ALTER TABLE issues DISABLE TRIGGER {name}"))


def resume_triggers(session: Session) -> None:
    for name in INSERT_TRIGGERS:
        session.execute(text(f"ALTER TABLE issues ENABLE TRIGGER {name}"))


@dataclass
class Inputs:
    """What the deltas need from the server: segment midpoints (Mercator cm) and the hour buckets' edges."""

    midpoints: pd.DataFrame  # index segment id; columns mx, my
    hour_edges: np.ndarray


def load_inputs(session: Session, rows: pd.DataFrame) -> Inputs:
    """Read the midpoints of the segments that solved rows are linked to, and the report's hour edges."""
    solved = rows["status"].isin(SOLVED_STATUSES).to_numpy() & rows["segment_id"].notna().to_numpy()
    return Inputs(
        midpoints(session, np.unique(rows.loc[solved, "segment_id"].to_numpy(np.int64))),
        np.asarray(session.execute(text("SELECT report_hour_edges()")).scalar_one(), dtype=np.float64),
    )


def midpoints(session: Session, ids: np.ndarray, scan: bool | None = None) -> pd.DataFrame:
    """Return the segments' midpoints in Mercator cm (index: segment id; columns mx, my). For a large share of
    the network (`scan` None: decided from the table's size) one scan of every segment beats probing ids."""
    if scan is None:
        network = session.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'street_segments'::regclass"))
        scan = 2 * len(ids) >= max(network.scalar() or 0, PROBE_UP_TO)
    found = session.execute(
        text(f"""
        SELECT s.id, merc_x_cm(ST_X(m.p)), merc_y_cm(ST_Y(m.p))
        FROM street_segments s, LATERAL (SELECT ST_LineInterpolatePoint(s.geom, 0.5) AS p) m
        {"" if scan else "WHERE s.id = ANY(CAST(:ids AS bigint[]))"}"""),
        {"ids": ids.tolist()},
    ).all()
    table = np.array([tuple(r) for r in found], dtype=np.int64).reshape(-1, 3)
    return pd.DataFrame({"mx": table[:, 1], "my": table[:, 2]}, index=table[:, 0])


def merc_x_cm(lon: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(lon, dtype=np.float64) * _X_CM).astype(np.int64)


def merc_y_cm(lat: np.ndarray) -> np.ndarray:
    half = np.pi / 4 + (np.asarray(lat, dtype=np.float64) * _RADIANS_PER_DEGREE) / 2
    # the C library's tan and log, value by value: numpy's own may differ from them in the last bit
    return np.rint(np.array([math.log(math.tan(v)) for v in half.tolist()], dtype=np.float64) * _Y_CM).astype(np.int64)


def _cells(mx: np.ndarray, my: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the cells at ROLLUP_LEVEL of Mercator points in cm (merc_cell_x / merc_cell_y)."""
    shift = 18 - ROLLUP_LEVEL
    cx = np.floor((mx.astype(np.float64) + _ORIGIN_CM) / _CELL18_CM).astype(np.int64) >> shift
    cy = np.floor((_ORIGIN_CM - my.astype(np.float64)) / _CELL18_CM).astype(np.int64) >> shift
    return cx, cy


def _sum(frame: pd.DataFrame, keys: list[str], sums: list[str]) -> pd.DataFrame:
    return frame.groupby(keys, sort=True, dropna=False, observed=True)[sums].sum().reset_index()


def _with_levels(base: pd.DataFrame, keys: list[str], coarser: tuple[int, ...]) -> pd.DataFrame:
    """Return the ROLLUP_LEVEL cells and the same merged into each coarser level, with a `level` column."""
    frames = [base.assign(level=ROLLUP_LEVEL)]
    for level in coarser:
        shift = ROLLUP_LEVEL - level
        frames.append(
            _sum(
                base.assign(cx=base["cx"].to_numpy() >> shift, cy=base["cy"].to_numpy() >> shift),
                ["cx", "cy", *keys],
                ["n", "sx", "sy"],
            ).assign(level=level)
        )
    return pd.concat(frames, ignore_index=True)


def _text(values: pd.Series) -> pd.Categorical:
    return pd.Categorical(values.to_numpy(dtype=object))


def _cell_delta(table: str, cells: pd.DataFrame, keys: list[str]) -> Delta:
    columns = [
        ("level", "int2", cells["level"].to_numpy(np.int16)),
        ("cx", "int4", cells["cx"].to_numpy(np.int32)),
        ("cy", "int4", cells["cy"].to_numpy(np.int32)),
    ]
    columns += [(k, "text", _text(cells[k])) for k in keys]
    columns += [
        ("n", "int4", cells["n"].to_numpy(np.int32)),
        ("sx", "int8", cells["sx"].to_numpy(np.int64)),
        ("sy", "int8", cells["sy"].to_numpy(np.int64)),
    ]
    return Delta(table, ("level", "cx", "cy", *keys), columns)


def deltas(stored: dict[str, Any], lon: np.ndarray, lat: np.ndarray, inputs: Inputs) -> list[Delta]:
    """Return the eight rollups' deltas for new issues: `stored` maps column → values as COPY writes them
    (write.issue_columns), `lon` / `lat` are their points' coordinates."""
    from geo_app.domain.importers.issues.bulk_month_rollups import month_deltas  # it builds on this module

    col = {name: pd.Series(stored[name]).reset_index(drop=True) for name in KEY_COLUMNS}
    mx, my = merc_x_cm(lon), merc_y_cm(lat)
    cx, cy = _cells(mx, my)
    return tile_deltas(col, mx, my, inputs) + report_deltas(col, inputs) + month_deltas(col, cx, cy, inputs)


def tile_deltas(col: dict[str, pd.Series], mx: np.ndarray, my: np.ndarray, inputs: Inputs) -> list[Delta]:
    """issue_cells, issue_segment_counts and public_cells (migration 0004's insert trigger), from the points'
    Mercator centimetres."""
    cx, cy = _cells(mx, my)
    category, status, segment = col["category"].astype(object), col["status"].astype(object), col["segment_id"]
    points = pd.DataFrame({"cx": cx, "cy": cy, "category": category, "status": status, "n": 1, "sx": mx, "sy": my})
    issue_cells = _with_levels(
        _sum(points, ["cx", "cy", "category", "status"], ["n", "sx", "sy"]), ["category", "status"], ISSUE_LEVELS
    )
    segs = segment[segment.notna() & (status != "duplicate")].astype(np.int64).value_counts().sort_index()
    solved = segment.notna() & status.isin(SOLVED_STATUSES)
    per_segment = (
        pd.DataFrame({"segment_id": segment[solved].astype(np.int64), "category": category[solved]})
        .groupby(["segment_id", "category"])
        .size()
        .rename("n")
        .reset_index()
    )
    mid = inputs.midpoints.loc[per_segment["segment_id"].to_numpy()]
    pcx, pcy = _cells(mid["mx"].to_numpy(), mid["my"].to_numpy())
    n = per_segment["n"].to_numpy(np.int64)
    weighted = pd.DataFrame(
        {
            "cx": pcx,
            "cy": pcy,
            "category": per_segment["category"].to_numpy(object),
            "n": n,
            "sx": n * mid["mx"].to_numpy(),
            "sy": n * mid["my"].to_numpy(),
        }
    )
    public_cells = _with_levels(
        _sum(weighted, ["cx", "cy", "category"], ["n", "sx", "sy"]), ["category"], PUBLIC_LEVELS
    )
    return [
        _cell_delta("issue_cells", issue_cells, ["category", "status"]),
        Delta(
            "issue_segment_counts",
            ("segment_id",),
            [("segment_id", "int4", segs.index.to_numpy(np.int32)), ("n", "int4", segs.to_numpy(np.int32))],
        ),
        _cell_delta("public_cells", public_cells, ["category"]),
    ]


def report_deltas(col: dict[str, pd.Series], inputs: Inputs) -> list[Delta]:
    """report_cohorts, report_segment_years and report_resolve_hist (migration 0005's insert trigger)."""
    reported, resolved = utc_us(col["reported_at"]), utc_us(col["resolved_at"])  # as stored: to the µs
    local = pd.Series(reported).dt.tz_localize("UTC").dt.tz_convert(local_zone_name()).dt.tz_localize(None)
    base = pd.DataFrame(
        {
            "month": local.dt.to_period("M").dt.start_time,
            "year": local.dt.year,
            "category": col["category"].astype(object),
            "team_id": col["team_id"].astype("Int64"),
            "status": col["status"].astype(object),
            "resolution": col["resolution"].astype(object),
            "segment_id": col["segment_id"].astype("Int64"),
            "n": 1,
        }
    )
    cohorts = _sum(base, ["month", "category", "team_id", "status", "resolution"], ["n"])
    years = _sum(base[base["segment_id"].notna()], ["year", "segment_id"], ["n"])
    solved = (base["status"].isin(SOLVED_STATUSES) & col["resolved_at"].notna()).to_numpy()
    # extract(epoch FROM resolved_at - reported_at) / 3600.0: exact microseconds, then one rounding
    hours = (resolved[solved] - reported[solved]).astype(np.int64).astype(np.float64) / 3.6e9
    hist = base.loc[solved, ["month", "team_id", "n"]].assign(
        bucket=np.searchsorted(inputs.hour_edges, hours, side="right")
    )  # width_bucket
    hist = _sum(hist, ["month", "team_id", "bucket"], ["n"])
    return [
        Delta(
            "report_cohorts",
            ("month", "category", "team_id", "status", "resolution"),
            [
                ("month", "date", cohorts["month"]),
                ("category", "text", _text(cohorts["category"])),
                ("team_id", "int8", cohorts["team_id"]),
                ("status", "text", _text(cohorts["status"])),
                ("resolution", "text", _text(cohorts["resolution"])),
                ("n", "int4", cohorts["n"].to_numpy(np.int32)),
            ],
        ),
        Delta(
            "report_segment_years",
            ("year", "segment_id"),
            [
                ("year", "int4", years["year"].to_numpy(np.int32)),
                ("segment_id", "int8", years["segment_id"]),
                ("n", "int4", years["n"].to_numpy(np.int32)),
            ],
        ),
        Delta(
            "report_resolve_hist",
            ("month", "team_id", "bucket"),
            [
                ("month", "date", hist["month"]),
                ("team_id", "int8", hist["team_id"]),
                ("bucket", "int4", hist["bucket"].to_numpy(np.int32)),
                ("n", "int4", hist["n"].to_numpy(np.int32)),
            ],
        ),
    ]


def apply(session: Session, found: list[Delta]) -> None:
    """Add the deltas to their rollups: COPY into a scratch table, one upsert in key order, drop it."""
    for delta in found:
        if not len(delta.columns[0][2]):
            continue
        scratch = f"import_{delta.table}"
        session.execute(text(f"CREATE TEMP TABLE {scratch} (LIKE {delta.table}) ON COMMIT DROP"))
        copy_columns(session, scratch, delta.columns)
        keys, names = ", ".join(delta.keys), ", ".join(name for name, _, _ in delta.columns)
        sums = ", ".join(
            f"{name} = t.{name} + excluded.{name}" for name, _, _ in delta.columns if name not in delta.keys
        )
        session.execute(
            text(f"""
            INSERT INTO {delta.table} AS t ({names}) SELECT {names} FROM {scratch} ORDER BY {keys}
            ON CONFLICT ({keys}) DO UPDATE SET {sums}""")
        )
        session.execute(text(f"DROP TABLE {scratch}"))
