"""The month rollups (migration 0014) stay equal to a recount of issues through every kind of write (the
triggers) and after a bulk import (tests/interop/test_import_rollups.py), and a period's heat and public
tiles drawn from them (whole local months) plus live edge days are the tiles the live queries draw."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from geo_app.domain.datasets.synth import synth_city
from geo_app.domain.maps.filters import TileFilters
from geo_app.domain.maps.tiles import tile_path
from tests.factories import new_issue
from tests.maps.helpers import demo_extent
from tests.maps.test_tile_rollups import SOLVED, _rows, assert_tiles_match_live, insert_resolved, walk_and_move

MONTH = "date_trunc('month', {col} AT TIME ZONE deployment_zone())::date"
RECOUNT = {
    "heat_month_cells": f"""
        SELECT l, month, merc_cell_x(mx, l), merc_cell_y(my, l), category, count(*)
        FROM (SELECT {MONTH.format(col="reported_at")} AS month, merc_x_cm(ST_X(geom)) AS mx,
                     merc_y_cm(ST_Y(geom)) AS my, category FROM issues) i,
             generate_series(15, 16) l GROUP BY 1, 2, 3, 4, 5""",
    "public_month_cells": f"""
        SELECT l, month, merc_cell_x(mx, l), merc_cell_y(my, l), category, sum(n), sum(n * mx), sum(n * my)
        FROM (SELECT {MONTH.format(col="i.resolved_at")} AS month, i.category, count(*) AS n,
                     merc_x_cm(ST_X(ST_LineInterpolatePoint(s.geom, 0.5))) AS mx,
                     merc_y_cm(ST_Y(ST_LineInterpolatePoint(s.geom, 0.5))) AS my
              FROM issues i JOIN street_segments s ON s.id = i.segment_id
              WHERE i.status IN {SOLVED} AND i.resolved_at IS NOT NULL GROUP BY s.id, i.category, 1) p,
             generate_series(16, 17) l GROUP BY 1, 2, 3, 4, 5""",
}
STORED = {  # keys that went back to zero are kept (as the report rollups do)
    "heat_month_cells": "SELECT level, month, cx, cy, category, n FROM heat_month_cells WHERE n <> 0",
    "public_month_cells": """SELECT level, month, cx, cy, category, n, sx, sy FROM public_month_cells
                             WHERE n <> 0 OR sx <> 0 OR sy <> 0""",
}


def assert_month_rollups_exact(conn):
    """Every month rollup equals a recount of the issues (a live count)."""
    for table, recount_sql in RECOUNT.items():
        stored, recount = _rows(conn, STORED[table]), _rows(conn, recount_sql)
        assert stored == recount, (table, sorted(stored - recount)[:5], sorted(recount - stored)[:5])
        assert stored, table


# periods with edge days at both ends, whole months only, inside one month, and open at one end
PERIODS = [
    (date(2020, 5, 15), date(2020, 9, 10)),
    (date(2020, 6, 1), date(2020, 8, 31)),
    (date(2020, 7, 3), date(2020, 7, 20)),
    (date(2020, 6, 20), None),
    (None, date(2020, 8, 10)),
]


def month_cases(periods=PERIODS):
    cases = []
    for start, end in periods:
        cases += [
            ("heat", (12, 13), TileFilters(start=start, end=end)),
            ("public", (12, 13), TileFilters(start=start, end=end)),
        ]
    cases += [
        ("heat", (13,), TileFilters(start=date(2020, 5, 20), end=date(2020, 10, 5), categories=("cooking_fumes",))),
        ("public", (12,), TileFilters(start=date(2020, 5, 20), end=date(2020, 10, 5), categories=("cooking_fumes",))),
    ]
    return cases


def test_demo_month_rollups_equal_a_recount_and_draw_the_live_tiles(session):
    assert_month_rollups_exact(session)
    assert_tiles_match_live(session, demo_extent(session), month_cases(), path="months")


def test_which_period_tiles_read_the_month_rollups():
    period = {"start": date(2025, 4, 1), "end": date(2025, 9, 30)}
    assert tile_path("heat", 12, TileFilters(**period)) == "months"
    assert tile_path("heat", 13, TileFilters(**period, categories=("noise",))) == "months"
    assert tile_path("public", 13, TileFilters(**period)) == "months"
    assert tile_path("heat", 14, TileFilters(**period)) == "live"  # level 17: not kept by month
    assert tile_path("public", 14, TileFilters(**period)) == "live"  # detail: one feature a segment
    assert tile_path("heat", 12, TileFilters(**period, statuses=("reported",))) == "live"
    assert tile_path("heat", 12, TileFilters(**period, team_ids=(1,))) == "live"
    assert tile_path("heat", 12, TileFilters(**period, blockage=True)) == "live"
    assert tile_path("issues", 12, TileFilters(**period)) == "live"


def test_inserts_workflow_moves_deletes_and_segment_changes_keep_the_month_rollups_exact(session):
    synth_city(session, 300, 4000, seed=12)  # COPY of issues (past the trigger's freshly planned size)
    issue = new_issue(session, category="noise", when="2021-03-30")  # the ORM, one row
    assert_month_rollups_exact(session)
    walk_and_move(session, issue, "2021-04-02", assert_month_rollups_exact)
    session.execute(
        text("UPDATE issues SET reported_at = reported_at - interval '20 days' WHERE id = :i"), {"i": issue.id}
    )
    assert_month_rollups_exact(session)
    session.execute(
        text("""UPDATE issues SET category = CASE WHEN id % 7 = 0 THEN 'dog_keeping' ELSE category END
                WHERE ref LIKE 'SYN12-%'""")
    )
    session.execute(
        text(
            f"UPDATE issues SET resolved_at = resolved_at - interval '40 days' WHERE id % 5 = 0 AND status IN {SOLVED}"
        )
    )
    session.execute(
        text("UPDATE issues SET status = 'in_progress', resolution = NULL, resolved_at = NULL WHERE id % 11 = 0")
    )
    assert_month_rollups_exact(session)
    session.execute(
        text("""UPDATE street_segments SET geom = ST_Translate(geom, 0.003, -0.002)
                WHERE id IN (SELECT segment_id FROM issues WHERE status IN ('closed', 'verified')
                             ORDER BY segment_id LIMIT 40)""")
    )
    assert_month_rollups_exact(session)
    insert_resolved(session, "noise")  # 1,500 days: many months at once
    assert_month_rollups_exact(session)
    session.execute(text("DELETE FROM issues WHERE ref LIKE 'DEL-%' AND ref <> 'DEL-1'"))
    session.execute(text("DELETE FROM issues WHERE ref = 'DEL-1'"))
    assert_month_rollups_exact(session)
    assert_tiles_match_live(session, demo_extent(session), month_cases(PERIODS[:2]), path="months")


def test_an_update_of_status_alone_leaves_the_heat_months_untouched(session):
    before = session.execute(text("SELECT sum(xmin::text::bigint) FROM heat_month_cells")).scalar()
    session.execute(text("UPDATE issues SET description = description || ' (edited)', version = version + 1"))
    session.execute(text("UPDATE issues SET status = 'closed' WHERE status = 'verified'"))
    assert session.execute(text("SELECT sum(xmin::text::bigint) FROM heat_month_cells")).scalar() == before


def test_truncate_and_rebuild(session):
    session.execute(text("UPDATE heat_month_cells SET n = n + 5 WHERE level = 16"))
    session.execute(text("DELETE FROM public_month_cells WHERE level = 17"))
    session.execute(text("SELECT month_rollups_rebuild()"))
    assert_month_rollups_exact(session)
    session.execute(text("ALTER TABLE issue_events DISABLE TRIGGER issue_events_no_truncate"))
    session.execute(text("TRUNCATE issues CASCADE"))
    count = "SELECT (SELECT count(*) FROM heat_month_cells) + (SELECT count(*) FROM public_month_cells)"
    assert session.execute(text(count)).scalar() == 0
