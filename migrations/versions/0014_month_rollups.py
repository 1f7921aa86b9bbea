"""Month rollups for the maps: a period's heat and public tiles at zoom 12–13 read whole local months from them
and count only the days at the period's edges live (as the report does with report_cohorts), so six months
cost about what one does.

- `heat_month_cells`: issues (every status, as the heat layer's default) per local month of report, cell at
  levels 15–16 (heat at zoom 12–13: level z + 3) and category. A workflow update (status, resolution…) moves
  no key here: only a new point, category or report time does.
- `public_month_cells`: solved issues per local month of resolution, cell of their segment's midpoint at
  levels 16–17 (public clusters at zoom 12–13: level z + 4) and category, with the sums of Mercator x and y
  in centimetres (the cluster's mean position, as public_cells of 0004).
Cells are those of 0004 (merc_cell_x / merc_cell_y), months are local in the deployment's zone (0008).
Rows reaching zero are kept (as 0005 does), so concurrent upserts never race a delete; the tiles skip them.

Triggers: statement-level with transition tables on issues (insert, update, delete, truncate) and on
street_segments (a moved midpoint moves its solved issues' public cells, as in 0004); the bulk import
suspends `issues_month_rollups_insert` and merges the same deltas computed in memory (bulk_rollups.py).
`month_rollups_rebuild()` recounts from scratch (the backfill below). Also an index of follow-up events by
time, for the report's satisfaction figures.

Revision ID: 0014_month_rollups
Revises: 0013_import_batches
"""

from alembic import op

revision = "0014_month_rollups"
down_revision = "0013_import_batches"
branch_labels = None
depends_on = None

SOLVED = "('resolved', 'verified', 'closed')"
HEAT_LEVELS, PUBLIC_LEVELS = (15, 16), (16, 17)
FRESH_PLAN_ROWS = 1000  # larger transition tables get a plan of their own (see 0004's _planned)

TABLES = """
CREATE TABLE heat_month_cells (
    level smallint NOT NULL, month date NOT NULL, cx int NOT NULL, cy int NOT NULL, category varchar(40) NOT NULL,
    n int NOT NULL,
    PRIMARY KEY (level, month, cx, cy, category)) WITH (fillfactor = 70);
CREATE TABLE public_month_cells (
    level smallint NOT NULL, month date NOT NULL, cx int NOT NULL, cy int NOT NULL, category varchar(40) NOT NULL,
    n int NOT NULL, sx bigint NOT NULL, sy bigint NOT NULL,
    PRIMARY KEY (level, month, cx, cy, category)) WITH (fillfactor = 70);
CREATE INDEX ix_issue_events_follow_up_at ON issue_events (at) WHERE action = 'follow_up';
"""


def _month(col: str, tz: str) -> str:
    return f"date_trunc('month', {col} AT TIME ZONE {tz})::date"


def _levels(levels: tuple[int, ...]) -> str:
    return "(VALUES " + ", ".join(f"({lv})" for lv in levels) + ") l(level)"


def _apply(rows: str, tz: str) -> str:
    """SQL adding the signed rows `rows` (s, geom, category, status, segment_id, reported_at, resolved_at) to
    both rollups; `tz` is the SQL of the local zone. Returns the number of keys written."""
    return f"""
    WITH d AS MATERIALIZED ({rows}),
    heat AS (
        INSERT INTO heat_month_cells AS t (level, month, cx, cy, category, n)
        SELECT l.level, x.month, merc_cell_x(x.mx, l.level), merc_cell_y(x.my, l.level), x.category, sum(x.s)::int
        FROM (SELECT {_month("reported_at", tz)} AS month, merc_x_cm(ST_X(geom)) AS mx, merc_y_cm(ST_Y(geom)) AS my,
                     category, s FROM d) x, {_levels(HEAT_LEVELS)}
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(x.s) <> 0 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (level, month, cx, cy, category) DO UPDATE SET n = t.n + excluded.n RETURNING 1),
    solved AS (
        SELECT {_month("resolved_at", tz)} AS month, segment_id, category, sum(s)::int AS n FROM d
        WHERE status IN {SOLVED} AND segment_id IS NOT NULL AND resolved_at IS NOT NULL
        GROUP BY 1, 2, 3 HAVING sum(s) <> 0),
    mids AS (
        SELECT s.id, merc_x_cm(ST_X(m.p)) AS mx, merc_y_cm(ST_Y(m.p)) AS my
        FROM street_segments s, LATERAL (SELECT ST_LineInterpolatePoint(s.geom, 0.5) AS p) m
        WHERE s.id IN (SELECT segment_id FROM solved) ORDER BY s.id FOR SHARE OF s),
    pub AS (
        INSERT INTO public_month_cells AS t (level, month, cx, cy, category, n, sx, sy)
        SELECT l.level, p.month, merc_cell_x(m.mx, l.level), merc_cell_y(m.my, l.level), p.category,
               sum(p.n)::int, sum(p.n * m.mx)::bigint, sum(p.n * m.my)::bigint
        FROM solved p JOIN mids m ON m.id = p.segment_id, {_levels(PUBLIC_LEVELS)}
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(p.n) <> 0 OR sum(p.n * m.mx) <> 0 OR sum(p.n * m.my) <> 0
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (level, month, cx, cy, category)
        DO UPDATE SET n = t.n + excluded.n, sx = t.sx + excluded.sx, sy = t.sy + excluded.sy RETURNING 1)
    SELECT (SELECT count(*) FROM heat) + (SELECT count(*) FROM pub)"""


COLUMNS = "geom, category, status, segment_id, reported_at, resolved_at"
# an UPDATE's rows whose keys in either rollup changed: the old side taken away, the new side added
_CHANGED = """
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE NOT ST_OrderingEquals(o.geom, n.geom)
       OR (o.category, o.reported_at, o.status, o.segment_id, o.resolved_at)
          IS DISTINCT FROM (n.category, n.reported_at, n.status, n.segment_id, n.resolved_at)"""
UPDATE_ROWS = (
    "SELECT -1 AS s, "
    + ", ".join("o." + c for c in COLUMNS.split(", "))
    + _CHANGED
    + " UNION ALL SELECT 1, "
    + ", ".join("n." + c for c in COLUMNS.split(", "))
    + _CHANGED
)


def _planned(sql: str, rows: str) -> str:
    """PL/pgSQL running `sql` (the zone as `tz`): planned once per session for small transition tables, afresh
    (EXECUTE … USING) for large ones, whose joins a plan made on one row would run as a nested loop."""
    return f"""
    IF (SELECT count(*) FROM {rows}) > {FRESH_PLAN_ROWS} THEN
        EXECUTE $q${sql.replace(" tz)", " $1)")}$q$ INTO written USING tz;
    ELSE
        {sql} INTO written;
    END IF;"""


def _function(name: str, rows_table: str, body: str, strict: bool = True) -> str:
    # no profile, no local months: refuse to file issues rather than guess a zone (as 0008's triggers); a
    # street moved before any profile exists has no issues to move
    refuse = f"IF EXISTS (SELECT 1 FROM {rows_table}) THEN tz := deployment_zone(); END IF;" if strict else ""
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SET work_mem = '256MB' AS $fn$
DECLARE written bigint; tz text := (SELECT timezone FROM deployment);
BEGIN
    IF tz IS NULL THEN
        {refuse}
        RETURN NULL;
    END IF;
{body}
    RETURN NULL;
END $fn$;"""


def _signed(table: str, sign: int) -> str:
    return f"SELECT {sign} AS s, {COLUMNS} FROM {table}"


SEGMENT_MOVES = f"""
    WITH moved AS (
        SELECT n.id, merc_x_cm(ST_X(om)) AS omx, merc_y_cm(ST_Y(om)) AS omy,
               merc_x_cm(ST_X(nm)) AS nmx, merc_y_cm(ST_Y(nm)) AS nmy
        FROM old_rows o JOIN new_rows n ON n.id = o.id,
             LATERAL (SELECT ST_LineInterpolatePoint(o.geom, 0.5) AS om, ST_LineInterpolatePoint(n.geom, 0.5) AS nm) m
        WHERE NOT ST_OrderingEquals(o.geom, n.geom)),
    counts AS (
        SELECT i.segment_id, i.category, {_month("i.resolved_at", "tz")} AS month, count(*)::int AS n FROM issues i
        WHERE i.segment_id IN (SELECT id FROM moved WHERE (omx, omy) <> (nmx, nmy)) AND i.status IN {SOLVED}
          AND i.resolved_at IS NOT NULL
        GROUP BY 1, 2, 3),
    d AS (
        SELECT -c.n AS w, m.omx AS mx, m.omy AS my, c.category, c.month FROM counts c JOIN moved m ON m.id = c.segment_id
        UNION ALL
        SELECT c.n, m.nmx, m.nmy, c.category, c.month FROM counts c JOIN moved m ON m.id = c.segment_id),
    pub AS (
        INSERT INTO public_month_cells AS t (level, month, cx, cy, category, n, sx, sy)
        SELECT l.level, d.month, merc_cell_x(d.mx, l.level), merc_cell_y(d.my, l.level), d.category,
               sum(d.w)::int, sum(d.w * d.mx)::bigint, sum(d.w * d.my)::bigint
        FROM d, {_levels(PUBLIC_LEVELS)}
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(d.w) <> 0 OR sum(d.w * d.mx) <> 0 OR sum(d.w * d.my) <> 0
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (level, month, cx, cy, category)
        DO UPDATE SET n = t.n + excluded.n, sx = t.sx + excluded.sx, sy = t.sy + excluded.sy RETURNING 1)
    SELECT count(*) FROM pub"""

REBUILD = f"""
CREATE FUNCTION month_rollups_rebuild() RETURNS void LANGUAGE plpgsql SET work_mem = '256MB' AS $fn$
DECLARE written bigint; tz text := (SELECT timezone FROM deployment);
BEGIN
    LOCK TABLE issues IN SHARE MODE;   -- no writer may slip between the truncation and the recount
    TRUNCATE heat_month_cells, public_month_cells;
    IF tz IS NULL THEN
        IF EXISTS (SELECT 1 FROM issues) THEN tz := deployment_zone(); END IF;
        RETURN;
    END IF;
    {_apply(_signed("issues", 1), "tz")} INTO written;
END $fn$;"""

# (trigger, event, table, transition tables, function)
TRIGGERS = (
    ("issues_month_rollups_insert", "INSERT", "issues", "NEW TABLE AS new_rows", "issue_month_rollups_insert"),
    (
        "issues_month_rollups_update",
        "UPDATE",
        "issues",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "issue_month_rollups_update",
    ),
    ("issues_month_rollups_delete", "DELETE", "issues", "OLD TABLE AS old_rows", "issue_month_rollups_delete"),
    ("issues_month_rollups_truncate", "TRUNCATE", "issues", "", "issue_month_rollups_truncate"),
    (
        "street_segments_month_rollups_update",
        "UPDATE",
        "street_segments",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "segment_month_rollups_update",
    ),
)


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(
        _function("issue_month_rollups_insert", "new_rows", _planned(_apply(_signed("new_rows", 1), "tz"), "new_rows"))
        + _function(
            "issue_month_rollups_delete", "old_rows", _planned(_apply(_signed("old_rows", -1), "tz"), "old_rows")
        )
        + _function("issue_month_rollups_update", "new_rows", _planned(_apply(UPDATE_ROWS, "tz"), "new_rows"))
        + _function("segment_month_rollups_update", "new_rows", _planned(SEGMENT_MOVES, "new_rows"), strict=False)
        + """
CREATE FUNCTION issue_month_rollups_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    TRUNCATE heat_month_cells, public_month_cells;
    RETURN NULL;
END $fn$;"""
        + REBUILD
    )
    for trigger, event, table, transition, function in TRIGGERS:
        referencing = f"REFERENCING {transition}" if transition else ""
        op.execute(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    # months are local: without a profile there is no zone yet (deployment.create counts them once it is set)
    op.execute("SELECT month_rollups_rebuild() FROM deployment")


def downgrade() -> None:
    op.execute(" ".join(f"DROP TRIGGER IF EXISTS {t[0]} ON {t[2]};" for t in TRIGGERS))
    op.execute("DROP FUNCTION IF EXISTS " + ", ".join(f"{t[4]}()" for t in TRIGGERS) + ", month_rollups_rebuild()")
    op.execute("DROP INDEX IF EXISTS ix_issue_events_follow_up_at")
    op.execute("DROP TABLE IF EXISTS heat_month_cells, public_month_cells")
