"""Synthetic cities for benchmarks and load tests: a street grid and clustered issues, written with COPY.

Deterministic for a given seed. The city gets its own district polygon, teams of 20×20 blocks, and
issues over one year with a mix of states and the events that explain them (so reports work on it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.core.deployment import metric_srid
from geo_app.domain.core.nearest_line import nearest_ids
from geo_app.vocab import SOLVED_STATUSES, sql_in

if TYPE_CHECKING:
    import psycopg

CATEGORIES = (
    "cooking_fumes",
    "noise",
    "illegal_parking",
    "dog_keeping",
    "water_renovation",
    "ac_dripping",
    "obstruction",
    "sanitation",
    "road_damage",
    "street_light",
)
WEIGHTS = (0.18, 0.16, 0.16, 0.1, 0.08, 0.12, 0.05, 0.07, 0.04, 0.04)
BLOCK_M = 100.0
TEAM_BLOCKS = 20


@dataclass(frozen=True)
class SynthResult:
    segments: int
    issues: int
    teams: int
    linked: int


def _copy(session: Session, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    raw = cast("psycopg.Connection[Any]", session.connection().connection.driver_connection)
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def synth_city(
    session: Session,
    segments: int,
    issues: int,
    seed: int,
    year: int = 2025,
    origin_lonlat: tuple[float, float] = (111.30, 23.40),
    snap_max_m: float = 60.0,
) -> SynthResult:
    """Write a synthetic city of `segments` street segments and `issues` issues; the caller commits."""
    rng = np.random.default_rng(seed)
    srid = metric_srid()
    to_m = Transformer.from_crs(4326, srid, always_xy=True)
    to_ll = Transformer.from_crs(srid, 4326, always_xy=True)
    x0, y0 = to_m.transform(*origin_lonlat)
    side = int(math.ceil(math.sqrt(segments / 2))) + 1
    tag = f"SYN{seed}"

    # Street grid: horizontal then vertical segments between intersections, cut to `segments`.
    grid: list[tuple[int, int, int, int]] = []
    for r in range(side):
        for c in range(side - 1):
            grid.append((c, r, c + 1, r))
    for c in range(side):
        for r in range(side - 1):
            grid.append((c, r, c, r + 1))
    ends = np.array(grid[:segments], dtype=float)
    ax, ay = x0 + ends[:, 0] * BLOCK_M, y0 + ends[:, 1] * BLOCK_M
    bx, by = x0 + ends[:, 2] * BLOCK_M, y0 + ends[:, 3] * BLOCK_M
    alon, alat = to_ll.transform(ax, ay)
    blon, blat = to_ll.transform(bx, by)
    extent_m = side * BLOCK_M
    corners = [
        to_ll.transform(x0 + dx, y0 + dy)
        for dx, dy in ((-200, -200), (extent_m + 200, -200), (extent_m + 200, extent_m + 200), (-200, extent_m + 200))
    ]
    session.execute(
        text("""INSERT INTO admin_areas (code, name, level, geom)
        VALUES (:c, :n, 'district', ST_Multi(ST_GeomFromText(:w, 4326))) ON CONFLICT (code) DO NOTHING"""),
        {"c": tag, "n": f"synthetic city {seed}", "w": shapely.Polygon(corners).wkt},
    )
    first_id = session.execute(text("SELECT coalesce(max(id), 0) + 1 FROM street_segments")).scalar_one()
    seg_ids = np.arange(first_id, first_id + len(ends))
    session.execute(text(f"SELECT setval(pg_get_serial_sequence('street_segments', 'id'), {seg_ids[-1]})"))
    _copy(
        session,
        "COPY street_segments (id, code, street_name, geom) FROM STDIN",
        (
            (
                int(i),
                f"{tag}-{k}",
                f"synth street {int(e[1]) if e[1] == e[3] else int(e[0])}",
                f"SRID=4326;LINESTRING({a:.7f} {b:.7f}, {c:.7f} {d:.7f})",
            )
            for k, (i, e, a, b, c, d) in enumerate(zip(seg_ids, ends, alon, alat, blon, blat, strict=False))
        ),
    )

    # Teams: one per TEAM_BLOCKS × TEAM_BLOCKS blocks.
    team_key = (np.minimum(ends[:, 0], ends[:, 2]) // TEAM_BLOCKS).astype(int) * 10_000 + (
        np.minimum(ends[:, 1], ends[:, 3]) // TEAM_BLOCKS
    ).astype(int)
    keys = np.unique(team_key)
    team_ids = {}
    for key in keys:
        team_ids[int(key)] = session.execute(
            text("""INSERT INTO teams (code, name) VALUES (:c, :n)
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name RETURNING id"""),
            {"c": f"{tag}-T{key}", "n": f"synthetic team {key}"},
        ).scalar()
    _copy(
        session,
        "COPY team_segments (team_id, segment_id) FROM STDIN",
        ((team_ids[int(k)], int(i)) for k, i in zip(team_key, seg_ids, strict=False)),
    )
    seg_team = dict(zip(seg_ids.tolist(), (team_ids[int(k)] for k in team_key), strict=False))

    if issues:
        linked = _synth_issues(
            session, rng, issues, tag, year, x0, y0, extent_m, ax, ay, bx, by, seg_ids, seg_team, to_ll, snap_max_m
        )
    else:
        linked = 0
    return SynthResult(len(ends), issues, len(keys), linked)


def _synth_issues(
    session: Session,
    rng: np.random.Generator,
    n: int,
    tag: str,
    year: int,
    x0: float,
    y0: float,
    extent_m: float,
    ax: npt.NDArray[np.float64],
    ay: npt.NDArray[np.float64],
    bx: npt.NDArray[np.float64],
    by: npt.NDArray[np.float64],
    seg_ids: npt.NDArray[np.int64],
    seg_team: dict[int, int],
    to_ll: Transformer,
    snap_max_m: float,
) -> int:
    # 70 % in hotspots (gaussian around random points), 30 % spread evenly.
    n_hot = int(n * 0.7)
    n_clusters = max(5, n // 2000)
    centres = rng.uniform([x0, y0], [x0 + extent_m, y0 + extent_m], size=(n_clusters, 2))
    sigma = rng.uniform(60, 300, size=n_clusters)
    which = rng.integers(0, n_clusters, size=n_hot)
    hot = centres[which] + rng.normal(size=(n_hot, 2)) * sigma[which, None]
    even = rng.uniform([x0, y0], [x0 + extent_m, y0 + extent_m], size=(n - n_hot, 2))
    xy = np.vstack([hot, even])
    xy[:, 0] = np.clip(xy[:, 0], x0 - 150, x0 + extent_m + 150)
    xy[:, 1] = np.clip(xy[:, 1], y0 - 150, y0 + extent_m + 150)
    lines = shapely.linestrings(np.stack([np.column_stack([ax, ay]), np.column_stack([bx, by])], axis=1))
    seg, dist = nearest_ids(lines, seg_ids, xy[:, 0], xy[:, 1], snap_max_m)
    lon, lat = to_ll.transform(xy[:, 0], xy[:, 1])
    cats = rng.choice(len(CATEGORIES), size=n, p=WEIGHTS)
    start = datetime(year, 1, 1, tzinfo=timezone(timedelta(hours=8)))
    reported = rng.uniform(0, 365 * 86400, size=n)
    state = rng.choice(4, size=n, p=(0.62, 0.08, 0.1, 0.2))  # closed, resolved, in_progress, reported
    on_site = rng.random(n) < 0.37
    took = rng.gamma(2.0, 3 * 86400, size=n)
    first = session.execute(text("SELECT coalesce(max(id), 0) + 1 FROM issues")).scalar_one()
    session.execute(text(f"SELECT setval(pg_get_serial_sequence('issues', 'id'), {first + n - 1})"))
    statuses = ("closed", "resolved", "in_progress", "reported")
    sla: dict[str, int] = dict(session.execute(text("SELECT code, sla_days FROM categories")).all())

    def rows() -> Iterator[tuple[Any, ...]]:
        for k in range(n):
            rep = start + timedelta(seconds=float(reported[k]))
            st = statuses[state[k]]
            solved = st in ("closed", "resolved")
            res_at = rep + timedelta(seconds=float(took[k])) if solved else None
            category = CATEGORIES[cats[k]]
            s = int(seg[k])
            yield (
                first + k,
                f"{tag}-{year}-{k + 1:07d}",
                category,
                f"synthetic issue {k}",
                f"SRID=4326;POINT({lon[k]:.7f} {lat[k]:.7f})",
                "web",
                f"居民{k}",
                f"139{k:08d}",
                st,
                ("on_site" if on_site[k] else "team") if solved else None,
                rep,
                res_at,
                res_at if st == "closed" else None,
                res_at or (rep + timedelta(hours=2) if st == "in_progress" else rep),  # time of the last event
                rep + timedelta(days=sla[category]),
                s if s >= 0 else None,
                None if s < 0 else round(float(dist[k]), 2),
                seg_team.get(s),
                3,
                1,
            )

    _copy(
        session,
        """COPY issues (id, ref, category, description, geom, channel, reporter_name, reporter_phone,
        status, resolution, reported_at, resolved_at, closed_at, updated_at, due_at, segment_id, snap_distance_m,
        team_id, priority, version) FROM STDIN""",
        rows(),
    )
    last = first + n - 1
    # The events that explain each state: reported; accepted; resolved (with its type); closed.
    session.execute(
        text(f"""
        INSERT INTO issue_events (issue_id, at, action, from_status, to_status, data)
        SELECT id, reported_at, 'report', NULL, 'reported', '{{"synthetic": true}}'::jsonb
        FROM issues WHERE id BETWEEN :a AND :b
        UNION ALL
        SELECT id, reported_at + least(interval '1 hour',
                                       (coalesce(resolved_at, reported_at + interval '2 hours') - reported_at) / 2),
               'accept', 'reported', 'accepted', '{{}}'::jsonb
        FROM issues WHERE id BETWEEN :a AND :b AND status <> 'reported'
        UNION ALL
        SELECT id, reported_at + interval '2 hours', 'start', 'accepted', 'in_progress',
               '{{}}'::jsonb FROM issues WHERE id BETWEEN :a AND :b AND status = 'in_progress'
        UNION ALL
        SELECT id, resolved_at, 'resolve', 'accepted', 'resolved', jsonb_build_object('resolution', resolution)
        FROM issues WHERE id BETWEEN :a AND :b AND {sql_in("status", SOLVED_STATUSES)}
        UNION ALL
        SELECT id, closed_at, 'close', 'resolved', 'closed', '{{}}'::jsonb
        FROM issues WHERE id BETWEEN :a AND :b AND status = 'closed'"""),
        {"a": first, "b": last},
    )
    return int((seg >= 0).sum())
