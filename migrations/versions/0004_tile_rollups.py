"""Rollups of issues kept exact by triggers, so that low-zoom tiles and Gi* never count every issue.

- `issue_cells`: issues per Web-Mercator grid cell (a cell at level L is the tile L/cx/cy), category and
  status, with the sums of the points' Mercator x and y in centimetres (bigint: merging cells and applying
  deltas is exact, and a cluster's mean position is the mean of its issues to 1 cm). Levels 15–17: issue
  clusters at zoom 12–13 (level z + 4, 16 × 16 cells a tile) and heat at zoom 12–14 (level z + 3, 8 × 8).
- `public_cells`: solved issues per cell (levels 16–17) and category, placed at their segment's midpoint
  (weights = counts; never the reported point), for the public layer's clusters at zoom 12–13.
- `issue_segment_counts`: linked issues per street segment, duplicates left out: Gi*'s counts.

Finer levels and per-segment-and-category counts are not kept: at 1M issues they held as many rows as
there were issues (650k–1M), made a 1M-row import's trigger 3× slower, and the tiles they would serve are
within target live (bench/maps.py). See README, Architecture.

Triggers: AFTER INSERT / UPDATE / DELETE FOR EACH STATEMENT with transition tables on `issues` (one per
event: PostgreSQL refuses transition tables on multi-event triggers) add signed deltas aggregated per key
(INSERT … ON CONFLICT DO UPDATE n = n + delta, in key order so that two writers lock keys in the same
order). Keys that reach zero are deleted by ctid in a second statement: the row is still locked by us
since the upsert, `n = 0` is checked again, and a concurrent upsert of the key waits for us and then
inserts afresh. An UPDATE that changes no rolled-up column (description, due date, version…) stops after
one (hash) join of the transition tables. Segment midpoints are read FOR SHARE, so a concurrent change of a
segment's geometry is waited for and then seen; the `street_segments` UPDATE trigger moves the public
cells of segments whose midpoint moved. TRUNCATE of issues empties the rollups. `tile_rollups_rebuild()`
recounts everything from scratch (the backfill below).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SOLVED = "('resolved', 'verified', 'closed')"
BASE = 17  # the finest level kept
ISSUE_LEVELS, PUBLIC_LEVELS = (15, 16), (16,)  # coarser levels, merged from BASE
ROLLUPS = "issue_cells, issue_segment_counts, public_cells"
FRESH_PLAN_ROWS = 1000  # larger transition tables get a plan of their own

FUNCTIONS = """
-- Web Mercator (EPSG:3857) in centimetres from lon/lat in degrees: PROJ's formulas (to 1e-7 cm).
CREATE FUNCTION merc_x_cm(lon double precision) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT round(lon * 11131949.079327357)::bigint $$;
CREATE FUNCTION merc_y_cm(lat double precision) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT round(ln(tan(pi() / 4 + radians(lat) / 2)) * 637813700)::bigint $$;
-- The tile column / row at `level` (at most 18) of a Mercator x / y in centimetres (rows grow southwards):
-- always the level-18 cell shifted, so that every level nests exactly in the finer ones.
CREATE FUNCTION merc_cell_x(x_cm bigint, level int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT floor((x_cm + 2003750834.2789244::float8) / 15287.405657035251::float8)::int >> (18 - level) $$;
CREATE FUNCTION merc_cell_y(y_cm bigint, level int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT floor((2003750834.2789244::float8 - y_cm) / 15287.405657035251::float8)::int >> (18 - level) $$;
"""

# No CHECK (n >= 0): PostgreSQL checks the proposed row of INSERT … ON CONFLICT before it looks for the
# conflict, so a negative delta could never reach the existing row. The fillfactor leaves room on each
# page for the upserts' updates to be HOT (no new index entry): 2.3× faster on 650k updates, measured.
TABLES = """
CREATE TABLE issue_cells (
    level smallint NOT NULL, cx int NOT NULL, cy int NOT NULL,
    category varchar(40) NOT NULL, status varchar(20) NOT NULL,
    n int NOT NULL, sx bigint NOT NULL, sy bigint NOT NULL,
    PRIMARY KEY (level, cx, cy, category, status)) WITH (fillfactor = 70);
CREATE TABLE public_cells (
    level smallint NOT NULL, cx int NOT NULL, cy int NOT NULL, category varchar(40) NOT NULL,
    n int NOT NULL, sx bigint NOT NULL, sy bigint NOT NULL,
    PRIMARY KEY (level, cx, cy, category)) WITH (fillfactor = 70);
CREATE TABLE issue_segment_counts (segment_id int PRIMARY KEY, n int NOT NULL) WITH (fillfactor = 70);
"""


def _levels(cells: str, coarser: tuple[int, ...], keys: str) -> str:
    """SQL of BASE-level `cells` (cx, cy, keys…, n, sx, sy) and the same merged into each coarser level."""
    names = keys.split(", ")
    values = ", ".join(f"({lv})" for lv in coarser)
    return f"""
        SELECT {BASE} AS level, cx, cy, {keys}, n, sx, sy FROM {cells}
        UNION ALL
        SELECT l.level, c.cx >> ({BASE} - l.level), c.cy >> ({BASE} - l.level), {", ".join("c." + k for k in names)},
               sum(c.n)::int, sum(c.sx)::bigint, sum(c.sy)::bigint
        FROM {cells} c, (VALUES {values}) l(level) GROUP BY {", ".join(str(i) for i in range(1, 4 + len(names)))}"""


def _upsert(table: str, keys: str, source: str, sums: bool = True) -> str:
    """SQL adding the signed deltas of `source` to `table` in key order; returns the ctid and n left."""
    add = "n = t.n + excluded.n" + (", sx = t.sx + excluded.sx, sy = t.sy + excluded.sy" if sums else "")
    nonzero = "n <> 0 OR sx <> 0 OR sy <> 0" if sums else "n <> 0"
    return f"""
        INSERT INTO {table} AS t SELECT * FROM ({source}) q WHERE {nonzero} ORDER BY {keys}
        ON CONFLICT ({keys}) DO UPDATE SET {add} RETURNING t.ctid, t.n"""


def _cells(source: str, keys: str, weight: str = "s") -> str:
    return f"""SELECT merc_cell_x(mx, {BASE}) AS cx, merc_cell_y(my, {BASE}) AS cy, {keys},
                      sum({weight})::int AS n, sum({weight} * mx)::bigint AS sx, sum({weight} * my)::bigint AS sy
               FROM {source} GROUP BY 1, 2, {", ".join(str(3 + i) for i in range(len(keys.split(", "))))}"""


ZERO_DELETE = """
    -- keys that reached zero go: still locked by us since the upsert, and n = 0 is checked again
    IF zero_cells IS NOT NULL THEN DELETE FROM issue_cells WHERE ctid = ANY(zero_cells) AND n = 0; END IF;
    IF zero_segs IS NOT NULL THEN DELETE FROM issue_segment_counts WHERE ctid = ANY(zero_segs) AND n = 0; END IF;
    IF zero_pub IS NOT NULL THEN DELETE FROM public_cells WHERE ctid = ANY(zero_pub) AND n = 0; END IF;"""


def _planned(sql: str, into: str, rows: str | None) -> str:
    """PL/pgSQL running `sql` INTO `into`: a plan cached per session for small transition tables, planned
    afresh (EXECUTE) for large ones. A trigger's static SQL is planned once, on the sizes of its first call:
    planned on one row and reused for 20k, a join of the transition tables ran as an n² nested loop."""
    if rows is None:
        return f"{sql}\n    INTO {into};"
    return f"""
    IF (SELECT count(*) FROM {rows}) > {FRESH_PLAN_ROWS} THEN
        EXECUTE $q${sql}$q$ INTO {into};
    ELSE
        {sql}
        INTO {into};
    END IF;"""


def _apply(delta: str, rows: str | None) -> str:
    """PL/pgSQL adding `delta` (rows: s ±1, mx, my in cm, category, status, segment_id, c_cells, c_seg) to
    the three rollups: the body shared by the triggers (`rows`: a transition table) and the rebuild."""
    segs = (
        "SELECT segment_id, sum(s)::int AS n FROM d WHERE c_seg AND segment_id IS NOT NULL "
        "AND status <> 'duplicate' GROUP BY 1"
    )
    sql = f"""
    WITH d AS MATERIALIZED ({delta}),
    cells AS ({_cells("d WHERE c_cells", "category, status")}),
    up_cells AS ({
        _upsert("issue_cells", "level, cx, cy, category, status", _levels("cells", ISSUE_LEVELS, "category, status"))
    }),
    up_segs AS ({_upsert("issue_segment_counts", "segment_id", segs, sums=False)}),
    solved AS (
        SELECT segment_id, category, sum(s)::int AS n FROM d
        WHERE c_seg AND segment_id IS NOT NULL AND status IN {SOLVED} GROUP BY 1, 2 HAVING sum(s) <> 0),
    mids AS (
        SELECT s.id, merc_x_cm(ST_X(m.p)) AS mx, merc_y_cm(ST_Y(m.p)) AS my
        FROM street_segments s, LATERAL (SELECT ST_LineInterpolatePoint(s.geom, 0.5) AS p) m
        WHERE s.id IN (SELECT segment_id FROM solved) ORDER BY s.id FOR SHARE OF s),
    pcells AS ({_cells("solved p JOIN mids m ON m.id = p.segment_id", "category", weight="p.n")}),
    up_pub AS ({_upsert("public_cells", "level, cx, cy, category", _levels("pcells", PUBLIC_LEVELS, "category"))})
    SELECT (SELECT array_agg(ctid) FROM up_cells WHERE n = 0), (SELECT array_agg(ctid) FROM up_segs WHERE n = 0),
           (SELECT array_agg(ctid) FROM up_pub WHERE n = 0)"""
    return _planned(sql, "zero_cells, zero_segs, zero_pub", rows) + ZERO_DELETE


def _row(alias: str, sign: int) -> str:
    return (
        f"SELECT {sign} AS s, merc_x_cm(ST_X({alias}.geom)) AS mx, merc_y_cm(ST_Y({alias}.geom)) AS my, "
        f"{alias}.category, {alias}.status, {alias}.segment_id, true AS c_cells, true AS c_seg"
    )


# An UPDATE's rows, old and new side by side, with what changed for the cells and for the segments.
CHANGES = """
    SELECT merc_x_cm(ST_X(o.geom)) AS omx, merc_y_cm(ST_Y(o.geom)) AS omy, o.category AS ocat, o.status AS ost,
           o.segment_id AS oseg, merc_x_cm(ST_X(n.geom)) AS nmx, merc_y_cm(ST_Y(n.geom)) AS nmy,
           n.category AS ncat, n.status AS nst, n.segment_id AS nseg
    FROM old_rows o JOIN new_rows n ON n.id = o.id"""
CHANGED = """
    SELECT *, (omx, omy, ocat, ost) IS DISTINCT FROM (nmx, nmy, ncat, nst) AS c_cells,
              (oseg, ocat, ost) IS DISTINCT FROM (nseg, ncat, nst) AS c_seg
    FROM ch0"""
UPDATE_DELTA = f"""
    WITH ch0 AS ({CHANGES}), ch AS ({CHANGED})
    SELECT -1 AS s, omx AS mx, omy AS my, ocat AS category, ost AS status, oseg AS segment_id, c_cells, c_seg
    FROM ch WHERE c_cells OR c_seg
    UNION ALL
    SELECT 1, nmx, nmy, ncat, nst, nseg, c_cells, c_seg FROM ch WHERE c_cells OR c_seg"""


def _function(name: str, body: str, returns: str = "trigger") -> str:
    end = "    RETURN NULL;\n" if returns == "trigger" else ""
    return f"""
CREATE FUNCTION {name}() RETURNS {returns} LANGUAGE plpgsql AS $fn$
DECLARE zero_cells tid[]; zero_segs tid[]; zero_pub tid[]; changed boolean;
BEGIN
{body}
{end}END $fn$;"""


def _issue_functions() -> str:
    # (bool_or, not EXISTS: EXISTS plans for a quick first match, a nested loop over the two transition
    # tables, and with no match that is n² rows: 121 s for a 20k-row UPDATE)
    changed = f"WITH ch0 AS ({CHANGES}) SELECT coalesce(bool_or(c_cells OR c_seg), false) FROM ({CHANGED}) ch"
    update = f"""{_planned(changed, "changed", "new_rows")}
    IF NOT changed THEN
        RETURN NULL;
    END IF;
    {_apply(UPDATE_DELTA, "new_rows")}"""
    rebuild = f"""
    LOCK TABLE issues IN SHARE MODE;   -- no writer may slip between the truncation and the recount
    TRUNCATE {ROLLUPS};
    {_apply(_row("r", 1) + " FROM issues r", None)}"""
    return (
        _function("issue_rollups_insert", _apply(_row("r", 1) + " FROM new_rows r", "new_rows"))
        + _function("issue_rollups_delete", _apply(_row("r", -1) + " FROM old_rows r", "old_rows"))
        + _function("issue_rollups_update", update)
        + _function("issue_rollups_truncate", f"    TRUNCATE {ROLLUPS};")
        + _function("tile_rollups_rebuild", rebuild, returns="void")
    )


# A street import moved segments: their solved issues' public cells move from the old midpoint to the new.
# Counting the issues here is exact under concurrency: an issue writer holds its segments FOR SHARE until
# it commits, so this UPDATE waited for it, and a later one waits for us and then reads the new geometry.
SEGMENT_MOVES = (
    _planned(
        f"""
    WITH moved AS (
        SELECT n.id, merc_x_cm(ST_X(om)) AS omx, merc_y_cm(ST_Y(om)) AS omy,
               merc_x_cm(ST_X(nm)) AS nmx, merc_y_cm(ST_Y(nm)) AS nmy
        FROM old_rows o JOIN new_rows n ON n.id = o.id,
             LATERAL (SELECT ST_LineInterpolatePoint(o.geom, 0.5) AS om, ST_LineInterpolatePoint(n.geom, 0.5) AS nm) m
        WHERE NOT ST_OrderingEquals(o.geom, n.geom)),
    counts AS (
        SELECT i.segment_id, i.category, count(*)::int AS n FROM issues i
        WHERE i.segment_id IN (SELECT id FROM moved WHERE (omx, omy) <> (nmx, nmy)) AND i.status IN {SOLVED}
        GROUP BY 1, 2),
    d AS (
        SELECT -c.n AS w, m.omx AS mx, m.omy AS my, c.category FROM counts c JOIN moved m ON m.id = c.segment_id
        UNION ALL
        SELECT c.n, m.nmx, m.nmy, c.category FROM counts c JOIN moved m ON m.id = c.segment_id),
    pcells AS ({_cells("d", "category", weight="w")}),
    up_pub AS ({_upsert("public_cells", "level, cx, cy, category", _levels("pcells", PUBLIC_LEVELS, "category"))})
    SELECT array_agg(ctid) FILTER (WHERE n = 0) FROM up_pub""",
        "zero_pub",
        "new_rows",
    )
    + ZERO_DELETE
)

TRIGGERS = """
CREATE TRIGGER issues_rollups_insert AFTER INSERT ON issues REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION issue_rollups_insert();
CREATE TRIGGER issues_rollups_update AFTER UPDATE ON issues REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION issue_rollups_update();
CREATE TRIGGER issues_rollups_delete AFTER DELETE ON issues REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION issue_rollups_delete();
CREATE TRIGGER issues_rollups_truncate AFTER TRUNCATE ON issues
    FOR EACH STATEMENT EXECUTE FUNCTION issue_rollups_truncate();
CREATE TRIGGER street_segments_rollups_update AFTER UPDATE ON street_segments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment_rollups_update();
"""
TRIGGER_NAMES = (
    ("issues_rollups_insert", "issues"),
    ("issues_rollups_update", "issues"),
    ("issues_rollups_delete", "issues"),
    ("issues_rollups_truncate", "issues"),
    ("street_segments_rollups_update", "street_segments"),
)


def upgrade():
    op.execute(FUNCTIONS)
    op.execute(TABLES)
    op.execute(_issue_functions())
    op.execute(_function("segment_rollups_update", SEGMENT_MOVES))
    op.execute(TRIGGERS)
    op.execute("SELECT tile_rollups_rebuild()")


def downgrade():
    for trigger, table in TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    for fn in (
        "issue_rollups_insert",
        "issue_rollups_update",
        "issue_rollups_delete",
        "issue_rollups_truncate",
        "segment_rollups_update",
        "tile_rollups_rebuild",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}()")
    op.execute(f"DROP TABLE IF EXISTS {ROLLUPS}")
    op.execute(
        "DROP FUNCTION IF EXISTS merc_cell_x(bigint, int), merc_cell_y(bigint, int), "
        "merc_x_cm(double precision), merc_y_cm(double precision)"
    )
