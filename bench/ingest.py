"""Bulk ingest of issues: `flask import-issues` on 100k and 1M rows next to the floor and a naive insert.

For each size, a throwaway database gets the schema and a synthetic street grid (synth, no issues), and a
generated CSV is imported (parse, validate, snap, write, index, events). The floor is a raw COPY of the same
rows into a bare table with a GiST index plus one raw nearest-segment join in SQL; the naive way is the
intake's create_issue row by row (ORM) on a 10k sample, measured only with BENCH_NAIVE=1 (it takes about
seven minutes). Run: .venv/bin/python -m bench ingest (BENCH_SIZES=100000,1000000 and BENCH_SEGMENTS=100000
to change the sizes). Files from IMPORT_BULK_MIN_ROWS rows (50k) take the bulk path.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo_app.config import intake_settings
from geo_app.domain.datasets.synth import CATEGORIES, synth_city
from geo_app.domain.importers.issues.csv_import import import_issues
from geo_app.domain.importers.issues.rows import Context, Mapping, read_frame, validate
from geo_app.domain.workflow.intake import create_issue
from geo_app.extensions import db
from geo_app.testing import create_database, drop_database, make_app, migrate_and_load
from geo_app.vocab import CHANNELS

NAIVE_SAMPLE = 10_000
PHASES = ("parse", "validate", "snap", "write", "events", "rollups", "index")  # print order; index: two laps


def _csv(session, n: int, path: Path, seed: int = 7) -> None:
    """Write n issues spread over the synthetic city's extent."""
    x0, y0, x1, y1 = session.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            "(SELECT ST_Extent(geom) e FROM street_segments) q"
        )
    ).one()
    rng = np.random.default_rng(seed)
    reported = pd.Timestamp("2025-01-01T00:00:00+08:00") + pd.to_timedelta(rng.uniform(0, 364 * 86400, n), unit="s")
    frame = pd.DataFrame(
        {
            "ref": [f"BX-2025-{k + 1:07d}" for k in range(n)],
            "category": np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), n)],
            "lon": np.round(rng.uniform(x0, x1, n), 7),
            "lat": np.round(rng.uniform(y0, y1, n), 7),
            "reported_at": reported.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
            "status": np.where(rng.random(n) < 0.6, "closed", "open"),
            "closed_at": (reported + pd.Timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S+08:00"),
            "description": "synthetic bulk issue",
        }
    )
    frame.loc[frame["status"] == "open", "closed_at"] = ""
    frame.to_csv(path, index=False)


def _floor(session, path: Path) -> dict:
    """Raw COPY of the same rows into a bare table + GiST index, then one raw nearest-segment join."""
    t0 = time.perf_counter()
    session.execute(
        text(
            "CREATE UNLOGGED TABLE floor_points (ref text, category text, lon float8, lat float8, "
            "reported_at timestamptz, status text, closed_at text, description text)"
        )
    )
    raw = session.connection().connection.driver_connection
    with (
        raw.cursor() as cur,
        open(path, "rb") as src,
        cur.copy("COPY floor_points FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
    ):
        while chunk := src.read(1 << 20):
            copy.write(chunk)
    session.execute(text("ALTER TABLE floor_points ADD COLUMN g geometry(Point, 32649)"))
    session.execute(text("UPDATE floor_points SET g = ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 32649)"))
    session.execute(text("CREATE INDEX ON floor_points USING gist (g)"))
    t1 = time.perf_counter()
    linked = session.execute(
        text("""
        SELECT count(n.id) FROM floor_points p CROSS JOIN LATERAL (
            SELECT s.id FROM street_segments s WHERE ST_DWithin(s.geom_m, p.g, 60)
            ORDER BY s.geom_m <-> p.g LIMIT 1) n""")
    ).scalar()
    t2 = time.perf_counter()
    session.rollback()
    return {"copy_index_s": t1 - t0, "nearest_join_s": t2 - t1, "linked": linked}


def _naive(session, path: Path, settings) -> float:
    """create_issue row by row (the ORM intake) on the first NAIVE_SAMPLE rows; return rows per second."""
    sample = pd.read_csv(path, nrows=NAIVE_SAMPLE, dtype=str)
    t0 = time.perf_counter()
    for row in sample.itertuples(index=False):
        create_issue(
            session,
            {
                "category": row.category,
                "description": row.description,
                "lon": float(row.lon),
                "lat": float(row.lat),
                "channel": "web",
            },
            None,
            settings,
            reported_at=pd.Timestamp(row.reported_at).to_pydatetime(),
        )
    seconds = time.perf_counter() - t0
    session.rollback()
    return len(sample) / seconds


def dates_case(n: int, workdir: Path, seed: int = 7) -> dict[str, float]:
    """Parse + validate the same n rows with ISO times (offset) and with naive US 12-hour times; no database.

    The validation is the import's own (read_frame, validate) against a context of the synthetic categories."""
    rng = np.random.default_rng(seed)
    reported = pd.Timestamp("2025-01-01T00:00:00") + pd.to_timedelta(rng.uniform(0, 364 * 86400, n), unit="s")
    base = pd.DataFrame(
        {
            "ref": [f"BX-2025-{k + 1:07d}" for k in range(n)],
            "category": np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), n)],
            "lon": np.round(rng.uniform(-118.3, -118.2, n), 7),
            "lat": np.round(rng.uniform(34.0, 34.1, n), 7),
            "description": "synthetic bulk issue",
        }
    )
    layouts = {"iso": reported.strftime("%Y-%m-%dT%H:%M:%S-08:00"), "us": reported.strftime("%m/%d/%Y %I:%M:%S %p")}
    context = Context(frozenset(CATEGORIES), {}, None, frozenset(CHANNELS))
    out: dict[str, float] = {}
    for name, times in layouts.items():
        path = workdir / f"dates_{name}_{n}.csv"
        base.assign(reported_at=times).to_csv(path, index=False)
        mapping = Mapping(timezone="America/Los_Angeles")
        t0, c0 = time.perf_counter(), time.process_time()
        rows, rejected = validate(read_frame(path, mapping), mapping, context)
        out[name], out[f"{name}_cpu"] = time.perf_counter() - t0, time.process_time() - c0
        # a naive time in the hour skipped or repeated when the clocks change is refused: a few hundred rows
        assert len(rows) + len(rejected) == n and all("clocks change" in e.message for e in rejected), rejected[:3]
        out[f"{name}_rejected"] = len(rejected)
        path.unlink()
    return out


def run_size(n: int, segments: int, workdir: Path) -> dict:
    """Measure one size on its own throwaway database."""
    name = f"geo_app_bench_ingest_{os.getpid()}_{n}"
    url = create_database(name)
    try:
        migrate_and_load(url, demo=False)
        app = make_app(url)
        with app.app_context():
            session = db.session
            synth_city(session, segments, 0, seed=6)
            session.commit()
            session.execute(text("ANALYZE"))
            session.commit()
            path = workdir / f"issues_{n}.csv"
            _csv(session, n, path)
            settings = intake_settings()
            t0 = time.perf_counter()
            result = import_issues(session, path, settings)
            session.commit()
            total = time.perf_counter() - t0
            floor = _floor(session, path)
            naive = _naive(session, path, settings) if n == min(SIZES) and os.environ.get("BENCH_NAIVE") else None
            session.remove()
            db.engine.dispose()
        return {
            "n": n,
            "segments": segments,
            "total_s": total,
            "phases": result.seconds,
            "linked": result.linked,
            "bulk": result.bulk,
            "rejected": len(result.rejected),
            "method": result.snap_method,
            "floor": floor,
            "naive_rps": naive,
            "csv_mb": path.stat().st_size / 2**20,
        }
    finally:
        drop_database(name)


SIZES = tuple(int(s) for s in os.environ.get("BENCH_SIZES", "100000,1000000").split(","))


def main() -> None:
    """Print the figures for each size."""
    segments = int(os.environ.get("BENCH_SEGMENTS", "100000"))
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            d = dates_case(n, Path(tmp))
            print(
                f"{n:>9,} rows read and validated (no database): ISO times with offset {d['iso']:.1f} s "
                f"(CPU {d['iso_cpu']:.1f} s), naive US 12-hour times (MM/DD/YYYY hh:mm:ss AM) {d['us']:.1f} s "
                f"(CPU {d['us_cpu']:.1f} s; "
                f"{d['us_rejected']:.0f} in the hours the clocks change refused)",
                flush=True,
            )
        for n in SIZES:
            r = run_size(n, segments, Path(tmp))
            f = r["floor"]
            print(
                f"{n:>9,} issues ({r['csv_mb']:.0f} MiB CSV) on {segments:,} segments: import-issues "
                f"{r['total_s']:.1f} s ({n / r['total_s']:,.0f} rows/s; {'bulk' if r['bulk'] else 'small'} path, "
                f"linked {r['linked']:,} by {r['method']}; rejected {r['rejected']})",
                flush=True,
            )
            phases = sorted(r["phases"].items(), key=lambda kv: PHASES.index(kv[0]) if kv[0] in PHASES else len(PHASES))
            print("           phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases), flush=True)
            floor_s = f["copy_index_s"] + f["nearest_join_s"]
            print(
                f"           floor: raw COPY + GiST {f['copy_index_s']:.1f} s + raw nearest join "
                f"{f['nearest_join_s']:.1f} s = {floor_s:.1f} s (linked {f['linked']:,}); "
                f"import / floor = {r['total_s'] / floor_s:.2f}",
                flush=True,
            )
            if r["naive_rps"]:
                print(
                    f"           naive ORM create_issue row by row: {r['naive_rps']:,.0f} rows/s on "
                    f"{NAIVE_SAMPLE:,} rows → {n / r['naive_rps']:.0f} s for {n:,}",
                    flush=True,
                )
