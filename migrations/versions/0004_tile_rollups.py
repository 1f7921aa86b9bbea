"""Rollups of issues kept exact by triggers, so that low-zoom tiles and Gi* counts never scan every issue.

- `issue_cells`: issues per Web-Mercator grid cell (a cell at level L is the tile L/cx/cy), category and
  status, with the sums of the points' Mercator x and y in centimetres (bigint, so merging cells and
  applying deltas is exact and a cluster's mean position is the mean of its issues to 1 cm).
  Levels 15–18: issue clusters at zoom z < 15 use level z + 4 (16 × 16 cells a tile), heat at zoom z
  level min(z, 15) + 3 (8 × 8).
- `issue_segments`: issues per street segment, category and status with their latest resolved_at: the
  public layer's per-segment counts (solved statuses) and the Gi* counts (all but duplicates).
- `public_cells`: solved issues per cell (levels 16–18) and category, placed at their segment's midpoint
  (weights = counts; never the reported point), for the public layer's low-zoom clusters.

Triggers: AFTER INSERT / UPDATE / DELETE FOR EACH STATEMENT with transition tables on `issues`, one per
event, apply signed deltas aggregated per key (INSERT … ON CONFLICT DO UPDATE n = n + delta, in key
order); keys that reach zero are deleted in a second statement by ctid (the row stays locked by us since
the upsert, and `n = 0` is checked again). An UPDATE that changes no rolled-up column costs one join of
the transition tables and nothing else. When removing an issue may remove a key's latest resolved_at, that
key is recomputed from `issues` in a later statement (a fresh snapshot under READ COMMITTED, with the
rollup row already locked, so no concurrent change is lost). `street_segments` UPDATE triggers move the
public cells of segments whose midpoint moved; the issue triggers read segment midpoints FOR SHARE so a
concurrent geometry change is waited for. TRUNCATE of issues empties the rollups. `tile_rollups_rebuild()`
recomputes everything from scratch (the backfill below uses it).

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SOLVED = "('resolved', 'verified', 'closed')"
ISSUE_LEVELS, PUBLIC_LEVELS = (15, 16, 17), (16, 17)   # coarser levels; 18 is the finest of both

FUNCTIONS = """
-- Web Mercator (EPSG:3857) in centimetres, from lon/lat in degrees; the same formulas as PROJ's.
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
# conflict, so a negative delta could never reach the existing row.
TABLES = """
CREATE TABLE issue_cells (
    level smallint NOT NULL, cx int NOT NULL, cy int NOT NULL,
    category varchar(40) NOT NULL, status varchar(20) NOT NULL,
    n int NOT NULL, sx bigint NOT NULL, sy bigint NOT NULL,
    PRIMARY KEY (level, cx, cy, category, status));
CREATE TABLE issue_segments (
    segment_id int NOT NULL, category varchar(40) NOT NULL, status varchar(20) NOT NULL,
    n int NOT NULL, last_resolved_at timestamptz,
    PRIMARY KEY (segment_id, category, status));
CREATE TABLE public_cells (
    level smallint NOT NULL, cx int NOT NULL, cy int NOT NULL, category varchar(40) NOT NULL,
    n int NOT NULL, sx bigint NOT NULL, sy bigint NOT NULL,
    PRIMARY KEY (level, cx, cy, category));
"""


def _levels(cells: str, coarser: tuple[int, ...], keys: str) -> str:
    """SQL of level-18 `cells` (cx, cy, keys…, n, sx, sy) plus the same merged into each coarser level."""
    values = ", ".join(f"({lv})" for lv in coarser)
    return f"""
        SELECT 18 AS level, cx, cy, {keys}, n, sx, sy FROM {cells}
        UNION ALL
        SELECT l.level, c.cx >> (18 - l.level), c.cy >> (18 - l.level), {', '.join('c.' + k for k in keys.split(', '))},
               sum(c.n)::int, sum(c.sx)::bigint, sum(c.sy)::bigint
        FROM {cells} c, (VALUES {values}) l(level) GROUP BY 1, 2, 3, {', '.join(str(4 + i) for i in range(len(keys.split(', '))))}"""


def _apply(delta: str) -> str:
    """PL/pgSQL applying `delta` (rows: s ±1, mx, my, category, status, segment_id, resolved_at, c_cells,
    c_seg) to the three rollups; the body shared by the triggers and the rebuild."""
    return f"""
    WITH d AS MATERIALIZED ({delta}),
    cells AS (
        SELECT merc_cell_x(mx, 18) AS cx, merc_cell_y(my, 18) AS cy, category, status,
               sum(s)::int AS n, sum(s * mx)::bigint AS sx, sum(s * my)::bigint AS sy
        FROM d WHERE c_cells GROUP BY 1, 2, 3, 4),
    up_cells AS (
        INSERT INTO issue_cells AS t (level, cx, cy, category, status, n, sx, sy)
        SELECT * FROM ({_levels('cells', ISSUE_LEVELS, 'category, status')}) q
        WHERE n <> 0 OR sx <> 0 OR sy <> 0 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (level, cx, cy, category, status)
        DO UPDATE SET n = t.n + excluded.n, sx = t.sx + excluded.sx, sy = t.sy + excluded.sy
        RETURNING t.ctid, t.n),
    segs AS (
        SELECT segment_id, category, status, sum(s)::int AS n,
               max(resolved_at) FILTER (WHERE s > 0) AS added, max(resolved_at) FILTER (WHERE s < 0) AS removed
        FROM d WHERE c_seg AND segment_id IS NOT NULL GROUP BY 1, 2, 3),
    up_segs AS (
        INSERT INTO issue_segments AS t (segment_id, category, status, n, last_resolved_at)
        SELECT segment_id, category, status, n, added FROM segs
        WHERE n <> 0 OR removed IS NOT NULL OR added IS NOT NULL ORDER BY 1, 2, 3
        ON CONFLICT (segment_id, category, status)
        DO UPDATE SET n = t.n + excluded.n,
                      last_resolved_at = greatest(t.last_resolved_at, excluded.last_resolved_at)
        RETURNING t.ctid, t.n, t.segment_id, t.category, t.status, t.last_resolved_at),
    solved AS (
        SELECT segment_id, category, sum(s)::int AS n FROM d
        WHERE c_seg AND segment_id IS NOT NULL AND status IN {SOLVED} GROUP BY 1, 2 HAVING sum(s) <> 0),
    mids AS (   -- FOR SHARE: a concurrent change of a segment's geometry is waited for, then seen
        SELECT s.id, merc_x_cm(ST_X(m.p)) AS mx, merc_y_cm(ST_Y(m.p)) AS my
        FROM street_segments s, LATERAL (SELECT ST_LineInterpolatePoint(s.geom, 0.5) AS p) m
        WHERE s.id IN (SELECT segment_id FROM solved) ORDER BY s.id FOR SHARE OF s),
    pcells AS (
        SELECT merc_cell_x(m.mx, 18) AS cx, merc_cell_y(m.my, 18) AS cy, p.category,
               sum(p.n)::int AS n, sum(p.n * m.mx)::bigint AS sx, sum(p.n * m.my)::bigint AS sy
        FROM solved p JOIN mids m ON m.id = p.segment_id GROUP BY 1, 2, 3),
    up_pub AS (
        INSERT INTO public_cells AS t (level, cx, cy, category, n, sx, sy)
        SELECT * FROM ({_levels('pcells', PUBLIC_LEVELS, 'category')}) q
        WHERE n <> 0 OR sx <> 0 OR sy <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (level, cx, cy, category)
        DO UPDATE SET n = t.n + excluded.n, sx = t.sx + excluded.sx, sy = t.sy + excluded.sy
        RETURNING t.ctid, t.n)
    SELECT (SELECT array_agg(ctid) FROM up_cells WHERE n = 0),
           (SELECT array_agg(u.ctid) FROM up_segs u WHERE u.n = 0),
           (SELECT array_agg(u.ctid) FROM up_segs u JOIN segs USING (segment_id, category, status)
            WHERE u.n > 0 AND segs.removed IS NOT NULL AND segs.removed >= u.last_resolved_at),
           (SELECT array_agg(ctid) FROM up_pub WHERE n = 0)
    INTO zero_cells, zero_segs, stale_last, zero_pub;
    -- Keys that reached zero go (still locked by us; n = 0 checked again). Keys that may have lost their
    -- latest resolved_at are recomputed: a new statement, so a fresh snapshot that sees every committed issue.
    IF zero_cells IS NOT NULL THEN DELETE FROM issue_cells WHERE ctid = ANY(zero_cells) AND n = 0; END IF;
    IF zero_segs IS NOT NULL THEN DELETE FROM issue_segments WHERE ctid = ANY(zero_segs) AND n = 0; END IF;
    IF zero_pub IS NOT NULL THEN DELETE FROM public_cells WHERE ctid = ANY(zero_pub) AND n = 0; END IF;
    IF stale_last IS NOT NULL THEN
        UPDATE issue_segments t SET last_resolved_at = (
            SELECT max(i.resolved_at) FROM issues i
            WHERE i.segment_id = t.segment_id AND i.category = t.category AND i.status = t.status)
        WHERE t.ctid = ANY(stale_last);
    END IF;"""


def _row(alias: str, sign: int, c_cells: str = "true", c_seg: str = "true") -> str:
    return (f"SELECT {sign} AS s, merc_x_cm(ST_X({alias}.geom)) AS mx, merc_y_cm(ST_Y({alias}.geom)) AS my, "
            f"{alias}.category, {alias}.status, {alias}.segment_id, {alias}.resolved_at, "
            f"{c_cells} AS c_cells, {c_seg} AS c_seg")


CELLS_CHANGED = ("(merc_x_cm(ST_X(o.geom)), merc_y_cm(ST_Y(o.geom)), o.category, o.status) IS DISTINCT FROM "
                 "(merc_x_cm(ST_X(n.geom)), merc_y_cm(ST_Y(n.geom)), n.category, n.status)")
SEG_CHANGED = ("(o.segment_id, o.category, o.status, o.resolved_at) IS DISTINCT FROM "
               "(n.segment_id, n.category, n.status, n.resolved_at)")
CHANGES = f"""SELECT o.*, n.geom AS n_geom, n.category AS n_category, n.status AS n_status,
                     n.segment_id AS n_segment_id, n.resolved_at AS n_resolved_at,
                     {CELLS_CHANGED} AS c_cells, {SEG_CHANGED} AS c_seg
              FROM old_rows o JOIN new_rows n ON n.id = o.id"""
UPDATE_DELTA = f"""
    SELECT -1 AS s, merc_x_cm(ST_X(geom)) AS mx, merc_y_cm(ST_Y(geom)) AS my, category, status, segment_id,
           resolved_at, c_cells, c_seg FROM ch WHERE c_cells OR c_seg
    UNION ALL
    SELECT 1, merc_x_cm(ST_X(n_geom)), merc_y_cm(ST_Y(n_geom)), n_category, n_status, n_segment_id,
           n_resolved_at, c_cells, c_seg FROM ch WHERE c_cells OR c_seg"""


def _function(name: str, body: str, declare: str = "") -> str:
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE zero_cells tid[]; zero_segs tid[]; stale_last tid[]; zero_pub tid[]; {declare}
BEGIN
{body}
    RETURN NULL;
END $fn$;"""


def _trigger_functions() -> str:
    insert = _apply(_row("r", 1) + " FROM new_rows r")
    delete = _apply(_row("r", -1) + " FROM old_rows r")
    # an UPDATE that changes no rolled-up column (description, due date, version…) stops at this check
    update = f"""
    IF NOT EXISTS (SELECT 1 FROM ({CHANGES}) ch WHERE c_cells OR c_seg) THEN RETURN NULL; END IF;
    {_apply(f"WITH ch AS ({CHANGES}) {UPDATE_DELTA}")}"""
    rebuild = f"""
CREATE FUNCTION tile_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE zero_cells tid[]; zero_segs tid[]; stale_last tid[]; zero_pub tid[];
BEGIN
    LOCK TABLE issues IN SHARE MODE;   -- no writer may slip between the truncation and the recount
    TRUNCATE issue_cells, issue_segments, public_cells;
{_apply(_row("r", 1) + " FROM issues r")}
END $fn$;"""
    return (_function("issue_rollups_insert", insert) + _function("issue_rollups_delete", delete)
            + _function("issue_rollups_update", update) + rebuild)


SEGMENT_MOVES = f"""
CREATE FUNCTION segment_rollups_update() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE zero_pub tid[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE NOT ST_OrderingEquals(o.geom, n.geom)) THEN RETURN NULL; END IF;
    WITH moved AS (
        SELECT n.id, merc_x_cm(ST_X(om)) AS omx, merc_y_cm(ST_Y(om)) AS omy,
               merc_x_cm(ST_X(nm)) AS nmx, merc_y_cm(ST_Y(nm)) AS nmy
        FROM old_rows o JOIN new_rows n ON n.id = o.id,
             LATERAL (SELECT ST_LineInterpolatePoint(o.geom, 0.5) AS om, ST_LineInterpolatePoint(n.geom, 0.5) AS nm) m
        WHERE NOT ST_OrderingEquals(o.geom, n.geom)),
    counts AS (
        SELECT segment_id, category, sum(n)::int AS n FROM issue_segments
        WHERE segment_id IN (SELECT id FROM moved WHERE (omx, omy) <> (nmx, nmy)) AND status IN {SOLVED}
        GROUP BY 1, 2),
    d AS (
        SELECT -c.n AS n, m.omx AS mx, m.omy AS my, c.category FROM counts c JOIN moved m ON m.id = c.segment_id
        UNION ALL
        SELECT c.n, m.nmx, m.nmy, c.category FROM counts c JOIN moved m ON m.id = c.segment_id),
    pcells AS (
        SELECT merc_cell_x(mx, 18) AS cx, merc_cell_y(my, 18) AS cy, category,
               sum(n)::int AS n, sum(n * mx)::bigint AS sx, sum(n * my)::bigint AS sy
        FROM d GROUP BY 1, 2, 3),
    up_pub AS (
        INSERT INTO public_cells AS t (level, cx, cy, category, n, sx, sy)
        SELECT * FROM ({_levels('pcells', PUBLIC_LEVELS, 'category')}) q
        WHERE n <> 0 OR sx <> 0 OR sy <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (level, cx, cy, category)
        DO UPDATE SET n = t.n + excluded.n, sx = t.sx + excluded.sx, sy = t.sy + excluded.sy
        RETURNING t.ctid, t.n)
    SELECT array_agg(ctid) FILTER (WHERE n = 0) INTO zero_pub FROM up_pub;
    IF zero_pub IS NOT NULL THEN DELETE FROM public_cells WHERE ctid = ANY(zero_pub) AND n = 0; END IF;
    RETURN NULL;
END $fn$;

CREATE FUNCTION issue_rollups_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    TRUNCATE issue_cells, issue_segments, public_cells;
    RETURN NULL;
END $fn$;
"""

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


def upgrade():
    op.execute(FUNCTIONS)
    op.execute(TABLES)
    op.execute(_trigger_functions())
    op.execute(SEGMENT_MOVES)
    op.execute(TRIGGERS)
    op.execute("SELECT tile_rollups_rebuild()")


def downgrade():
    for trigger, table in (("issues_rollups_insert", "issues"), ("issues_rollups_update", "issues"),
                           ("issues_rollups_delete", "issues"), ("issues_rollups_truncate", "issues"),
                           ("street_segments_rollups_update", "street_segments")):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    for fn in ("issue_rollups_insert", "issue_rollups_update", "issue_rollups_delete", "issue_rollups_truncate",
               "segment_rollups_update", "tile_rollups_rebuild"):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}()")
    op.execute("DROP TABLE IF EXISTS issue_cells, issue_segments, public_cells")
    op.execute("DROP FUNCTION IF EXISTS merc_cell_x(bigint, int), merc_cell_y(bigint, int), "
               "merc_x_cm(double precision), merc_y_cm(double precision)")
