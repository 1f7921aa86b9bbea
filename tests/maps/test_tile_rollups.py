"""The tile rollups (migration 0004) stay equal to a recount of issues through every kind of write, and the
tiles drawn from them are the tiles the live queries draw from the same data."""

from __future__ import annotations

import json
import threading

import numpy as np
from sqlalchemy import create_engine, text

from geo_app.domain.analysis.hotspots import gistar, query
from geo_app.domain.datasets.synth import synth_city
from geo_app.domain.maps.filters import TileFilters
from geo_app.domain.maps.tiles import BUILDERS, TileCoord, tile_path
from tests.factories import act, new_issue
from tests.maps.helpers import decode, demo_extent, tiles_over

SOLVED = "('resolved', 'verified', 'closed')"
RECOUNT = {
    "issue_cells": """
        SELECT l, merc_cell_x(mx, l), merc_cell_y(my, l), category, status, count(*), sum(mx), sum(my)
        FROM (SELECT merc_x_cm(ST_X(geom)) AS mx, merc_y_cm(ST_Y(geom)) AS my, category, status FROM issues) i,
             generate_series(15, 17) l GROUP BY 1, 2, 3, 4, 5""",
    "issue_segment_counts": """
        SELECT segment_id, count(*) FROM issues WHERE segment_id IS NOT NULL AND status <> 'duplicate'
        GROUP BY 1""",
    "public_cells": f"""
        SELECT l, merc_cell_x(mx, l), merc_cell_y(my, l), category, sum(n), sum(n * mx), sum(n * my)
        FROM (SELECT i.category, count(*) AS n, merc_x_cm(ST_X(ST_LineInterpolatePoint(s.geom, 0.5))) AS mx,
                     merc_y_cm(ST_Y(ST_LineInterpolatePoint(s.geom, 0.5))) AS my
              FROM issues i JOIN street_segments s ON s.id = i.segment_id
              WHERE i.status IN {SOLVED} GROUP BY s.id, i.category) p,
             generate_series(16, 17) l GROUP BY 1, 2, 3, 4""",
}
STORED = {
    "issue_cells": "SELECT level, cx, cy, category, status, n, sx, sy FROM issue_cells",
    "issue_segment_counts": "SELECT segment_id, n FROM issue_segment_counts",
    "public_cells": "SELECT level, cx, cy, category, n, sx, sy FROM public_cells",
}


def _rows(conn, sql) -> set[tuple]:
    return {
        tuple(int(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, float) else v for v in row)
        for row in conn.execute(text(sql))
    }


def assert_rollups_exact(conn):
    for table, recount_sql in RECOUNT.items():
        stored, recount = _rows(conn, STORED[table]), _rows(conn, recount_sql)
        assert stored == recount, (table, sorted(stored - recount)[:5], sorted(recount - stored)[:5])
        assert stored, table


def _features(session, layer, coord, f, live):
    feats = decode(BUILDERS[layer](session, coord, f, live=live), layer)
    return sorted(json.dumps(ft, sort_keys=True) for ft in feats)


def assert_tiles_match_live(session, bounds, cases, path="rollup"):
    """Every tile over `bounds` of each (layer, zooms, filters) is the same from the rollups and live."""
    for layer, zooms, f in cases:
        drawn = 0
        for z in zooms:
            assert tile_path(layer, z, f) == path, (layer, z, f)
            for x, y in tiles_over(bounds, z):
                rolled = _features(session, layer, TileCoord(z, x, y), f, live=False)
                assert rolled == _features(session, layer, TileCoord(z, x, y), f, live=True), (layer, z, x, y)
                drawn += len(rolled)
        assert drawn, (layer, zooms, f)


ALL_CASES = [
    ("issues", (12, 13), TileFilters()),
    ("issues", (13,), TileFilters(statuses=("resolved", "closed"), categories=("noise", "cooking_fumes"))),
    ("heat", (12, 13, 14), TileFilters()),
    ("heat", (14,), TileFilters(statuses=("reported",), categories=("noise",))),
    ("public", (12, 13), TileFilters()),
    ("public", (13,), TileFilters(categories=("cooking_fumes",))),
]


def test_demo_rollups_equal_a_recount_and_draw_the_live_tiles(session):
    assert_rollups_exact(session)
    assert_tiles_match_live(session, demo_extent(session), ALL_CASES)


def test_mercator_functions_agree_with_postgis(session):
    """Cells are the tiles of ST_TileEnvelope and positions ST_Transform's, to the centimetre."""
    worst, outside = session.execute(
        text("""
        SELECT max(greatest(abs(merc_x_cm(ST_X(geom)) - ST_X(m) * 100), abs(merc_y_cm(ST_Y(geom)) - ST_Y(m) * 100))),
               count(*) FILTER (WHERE NOT ST_Intersects(m, ST_TileEnvelope(18, merc_cell_x(merc_x_cm(ST_X(geom)), 18),
                                                                          merc_cell_y(merc_y_cm(ST_Y(geom)), 18))))
        FROM (SELECT geom, ST_Transform(geom, 3857) AS m FROM issues) q""")
    ).one()
    assert worst <= 0.5 and outside == 0


def walk_and_move(session, issue, day, check):
    """Take `issue` through the workflow on `day`, checking the rollups after each step; then re-snap it to
    another segment and move its point."""
    for action, who, extra in (
        ("accept", "chief", {}),
        ("start", "chief", {}),
        ("resolve", "chief", {"resolution": "on_site"}),
        ("verify", "chief", {"passed": True}),
    ):
        act(session, issue, action, who, day, **extra)
        check(session)
    other = session.execute(
        text("SELECT id FROM street_segments WHERE id <> :s ORDER BY id LIMIT 1"), {"s": issue.segment_id}
    ).scalar()
    session.execute(text("UPDATE issues SET segment_id = :o WHERE id = :i"), {"o": other, "i": issue.id})
    session.execute(text("UPDATE issues SET geom = ST_Translate(geom, 0.0007, 0.0004) WHERE id = :i"), {"i": issue.id})


def test_copy_orm_inserts_workflow_moves_and_segment_changes_keep_rollups_exact(session):
    synth_city(session, 300, 4000, seed=11)  # COPY of issues, INSERT … SELECT of events
    issue = new_issue(session, category="noise")  # the ORM, one row
    assert_rollups_exact(session)
    # the workflow, re-snapping to another segment, an edited location, a category change, a bulk status move
    walk_and_move(session, issue, "2021-03-02", assert_rollups_exact)
    # (4,000 rows: past FRESH_PLAN_ROWS, so the trigger's freshly planned path runs too)
    session.execute(
        text("""UPDATE issues SET category = CASE WHEN id % 7 = 0 THEN 'dog_keeping' ELSE category END
                            WHERE ref LIKE 'SYN11-%'""")
    )
    session.execute(
        text("""UPDATE issues SET status = 'closed', closed_at = resolved_at
                            WHERE ref LIKE 'SYN11-%' AND status = 'resolved' AND id % 3 = 0""")
    )
    session.execute(
        text(
            f"UPDATE issues SET resolved_at = resolved_at - interval '400 days' WHERE id % 5 = 0 AND status IN {SOLVED}"
        )
    )
    assert_rollups_exact(session)
    # streets re-imported with new geometry: public cells follow the segments' midpoints
    session.execute(
        text("""UPDATE street_segments SET geom = ST_Translate(geom, 0.003, -0.002)
                            WHERE id IN (SELECT segment_id FROM issues WHERE status IN ('closed', 'verified')
                                         ORDER BY segment_id LIMIT 40)""")
    )
    assert_rollups_exact(session)
    assert_tiles_match_live(session, demo_extent(session), ALL_CASES)


def insert_resolved(session, category, n=1500):
    """Insert n resolved issues 'DEL-k' on the first segment, a day apart, in one statement."""
    session.execute(
        text("""
        INSERT INTO issues (ref, category, description, geom, channel, status, resolution, resolved_at, segment_id)
        SELECT 'DEL-' || k, :c, 'to delete', ST_Translate(s.geom_pt, (k % 30) * 0.00001, 0), 'web',
               'resolved', 'team', now() - k * interval '1 day', s.id
        FROM generate_series(1, :n) k,
             (SELECT id, ST_LineInterpolatePoint(geom, 0.3) AS geom_pt FROM street_segments ORDER BY id LIMIT 1) s"""),
        {"c": category, "n": n},
    )


def test_deletes_remove_keys_that_reach_zero(session):
    insert_resolved(session, "street_light")
    assert_rollups_exact(session)
    session.execute(text("DELETE FROM issues WHERE ref LIKE 'DEL-%' AND ref NOT IN ('DEL-1', 'DEL-2')"))
    assert_rollups_exact(session)
    session.execute(text("DELETE FROM issues WHERE ref IN ('DEL-1', 'DEL-2')"))
    assert_rollups_exact(session)
    zero = session.execute(
        text("""SELECT (SELECT count(*) FROM issue_cells WHERE n = 0)
                                        + (SELECT count(*) FROM issue_segment_counts WHERE n = 0)
                                        + (SELECT count(*) FROM public_cells WHERE n = 0)""")
    ).scalar()
    assert zero == 0


def test_an_update_of_other_columns_leaves_the_rollups_untouched(session):
    before = session.execute(text("SELECT sum(xmin::text::bigint) FROM issue_cells")).scalar()
    session.execute(text("UPDATE issues SET description = description || ' (edited)', version = version + 1"))
    assert session.execute(text("SELECT sum(xmin::text::bigint) FROM issue_cells")).scalar() == before


def test_truncate_empties_the_rollups(session):
    # the event log refuses TRUNCATE by design; lifted here, inside the test's rolled-back transaction
    count = text("""SELECT (SELECT count(*) FROM issue_cells) + (SELECT count(*) FROM public_cells)
                           + (SELECT count(*) FROM issue_segment_counts)""")
    assert session.execute(count).scalar() > 0
    session.execute(text("ALTER TABLE issue_events DISABLE TRIGGER issue_events_no_truncate"))
    session.execute(text("TRUNCATE issues CASCADE"))
    assert session.execute(count).scalar() == 0


def test_rebuild_recounts_from_scratch(session):
    session.execute(text("UPDATE issue_cells SET n = n + 5 WHERE level = 17"))
    session.execute(text("DELETE FROM public_cells WHERE level = 16"))
    session.execute(text("SELECT tile_rollups_rebuild()"))
    assert_rollups_exact(session)


def test_downgrade_drops_the_rollups_and_upgrade_backfills_them(clone_db):
    from flask_migrate import downgrade, upgrade

    from geo_app.extensions import db
    from geo_app.testing import make_app

    app = make_app(clone_db())
    with app.app_context():
        downgrade(revision="0003")
        left = db.session.execute(
            text("""
            SELECT (SELECT count(*) FROM pg_class
                    WHERE relname IN ('issue_cells', 'public_cells', 'issue_segment_counts'))
                 + (SELECT count(*) FROM pg_proc WHERE proname LIKE '%rollups%' OR proname LIKE 'merc_%')
                 + (SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%rollups%')""")
        ).scalar()
        db.session.commit()
        upgrade()
        assert_rollups_exact(db.session)
        db.session.remove()
        db.engine.dispose()
    assert left == 0


def test_public_rollups_hold_no_reported_point_or_personal_field(session):
    columns = set(
        session.execute(
            text("""SELECT column_name FROM information_schema.columns
                                          WHERE table_name IN ('issue_segment_counts', 'public_cells')""")
        ).scalars()
    )
    assert columns == {"segment_id", "n", "level", "cx", "cy", "category", "sx", "sy"}
    # public cells' positions are the segments' midpoints: equal to the recount over midpoints (above) and
    # not to the same sums over the reported points
    reported = _rows(
        session,
        f"""
        SELECT 17, merc_cell_x(mx, 17), merc_cell_y(my, 17), category, count(*), sum(mx), sum(my)
        FROM (SELECT merc_x_cm(ST_X(geom)) AS mx, merc_y_cm(ST_Y(geom)) AS my, category FROM issues
              WHERE status IN {SOLVED} AND segment_id IS NOT NULL) q GROUP BY 1, 2, 3, 4""",
    )
    stored = _rows(session, "SELECT level, cx, cy, category, n, sx, sy FROM public_cells WHERE level = 17")
    assert stored and not stored & reported


def test_gistar_counts_from_the_rollup_equal_the_live_count(session):
    from datetime import date

    from geo_app.domain.maps import tile_rollups

    new_issue(session, category="noise")
    net = gistar.segment_graph(session)
    where, params = query.issue_filter(session, None, None, None)
    assert tile_rollups.gistar_counts(session, where, params) is not None
    rolled = gistar.segment_counts(session, net.ids, where, params)
    live = np.zeros(len(net.ids))
    for seg, n in session.execute(
        text(f"SELECT segment_id, count(*) FROM issues i WHERE segment_id IS NOT NULL AND {where} GROUP BY 1"), params
    ):
        live[np.searchsorted(net.ids, seg)] = n
    assert rolled.sum() > 0 and np.array_equal(rolled, live)
    # a category or a period is counted live
    for category, period in (("noise", (None, None)), (None, (date(2020, 6, 1), date(2020, 6, 30)))):
        assert tile_rollups.gistar_counts(session, *query.issue_filter(session, category, *period)) is None


def test_live_paths_for_scope_blockage_and_periods():
    from datetime import date

    assert tile_path("issues", 12, TileFilters(team_ids=(1,))) == "live"
    assert tile_path("heat", 12, TileFilters(blockage=True)) == "live"
    assert tile_path("public", 12, TileFilters(start=date(2020, 6, 1))) == "months"  # test_month_rollups
    assert tile_path("issues", 14, TileFilters()) == "live"  # level 18: finer than the rollups keep
    assert tile_path("heat", 15, TileFilters()) == "live"
    assert tile_path("public", 14, TileFilters()) == "live"
    assert tile_path("segments", 12, TileFilters()) == "live"


def test_concurrent_writers_on_one_cell_lose_nothing(clone_db):
    """Two sessions add and remove issues of the same cells at once; a key deleted at zero comes back."""
    engine = create_engine(clone_db())
    with engine.begin() as conn:  # one solved issue alone in its cells: deleting it takes keys to zero
        conn.execute(
            text("""
            INSERT INTO issues (ref, category, description, geom, channel, status, resolution, resolved_at,
                                segment_id)
            SELECT 'RACE-0', 'street_light', 'race', ST_LineInterpolatePoint(geom, 0.4), 'web', 'resolved', 'team',
                   now(), id FROM street_segments ORDER BY id LIMIT 1""")
        )
    barrier = threading.Barrier(2)
    errors = []

    def writer(n):
        try:
            with engine.connect() as conn:
                barrier.wait()
                for k in range(15):
                    with conn.begin():
                        if n == 0 and k == 0:
                            conn.execute(text("DELETE FROM issues WHERE ref = 'RACE-0'"))
                        conn.execute(
                            text("""
                            INSERT INTO issues (ref, category, description, geom, channel, status, resolution,
                                                resolved_at, segment_id)
                            SELECT :ref, 'street_light', 'race', ST_LineInterpolatePoint(geom, 0.4), 'web',
                                   'resolved', 'team', now(), id FROM street_segments ORDER BY id LIMIT 1"""),
                            {"ref": f"RACE-{n}-{k}"},
                        )
                        if k % 4 == 3:
                            conn.execute(text("DELETE FROM issues WHERE ref = :ref"), {"ref": f"RACE-{n}-{k - 1}"})
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with engine.connect() as conn:
        assert_rollups_exact(conn)
        assert conn.execute(text("SELECT count(*) FROM issues WHERE ref LIKE 'RACE-%'")).scalar() == 2 * (15 - 3)
    engine.dispose()
