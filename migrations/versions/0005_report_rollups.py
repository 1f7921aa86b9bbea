"""Report rollups: the district report reads per-month counts instead of scanning every issue.

Three tables, kept exact by statement-level triggers on issues (one per INSERT / UPDATE / DELETE, each
applying the net change of the statement's transition tables as upserted deltas, so COPY of a million rows
costs one grouped pass and an UPDATE that changes no rolled-up column writes nothing):
- report_cohorts: issues per local month of report, category, team, current status and resolution;
- report_segment_years: issues per local year of report and segment (an upper bound for a period's
  top segments, see domain/report_rollups.py);
- report_resolve_hist: currently solved issues per local month, team and bucket of hours to resolve.
Three indexes let the report read the few rows it still needs live: open issues by due date, solved
issues by team and hours to resolve (covering, for index-only scans), and issues by last update (those in
flight at a period's end). Months and years are local (Asia/Shanghai, as report periods:
domain/validation.LOCAL_TZ). Zero rows are kept rather than deleted, so concurrent upserts never race a
delete. Rows are upserted in key order, so concurrent statements lock them in the same order.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SOLVED = "('resolved', 'verified', 'closed')"
OPEN = "('reported', 'accepted', 'dispatched', 'in_progress')"
# Bucket edges in hours: 0, then 0.25 h growing by 5 % a step up to ~10 years (width_bucket semantics:
# bucket k holds edges[k] <= h < edges[k+1]; bucket 0 is below 0).
HOURS = "(extract(epoch FROM resolved_at - reported_at) / 3600.0)::float8"
MONTH = "date_trunc('month', reported_at AT TIME ZONE 'Asia/Shanghai')::date"
YEAR = "extract(year FROM reported_at AT TIME ZONE 'Asia/Shanghai')::int"


def _any(statuses: str) -> str:
    """An index predicate in the form PostgreSQL prints back unchanged (the bulk import rebuilds indexes from
    pg_get_indexdef, and `status IN (…)` on a varchar does not survive that round trip word for word)."""
    return f"status::text = ANY (ARRAY[{statuses[1:-1]}]::text[])"


def _apply(kind: str) -> str:
    """Return one SQL statement applying the deltas of `kind` rows (new_rows / old_rows / both) to the rollups.

    The keys are computed once per row (the local time once), and the three upserts read them from there.
    """
    sources = {
        "insert": [("new_rows", 1)],
        "delete": [("old_rows", -1)],
        "update": [("new_rows", 1), ("old_rows", -1)],
    }[kind]
    rows = " UNION ALL ".join(
        f"SELECT reported_at AT TIME ZONE 'Asia/Shanghai' AS l, category, team_id, status, resolution, segment_id, "
        f"CASE WHEN status IN {SOLVED} AND resolved_at IS NOT NULL "
        f"THEN width_bucket({HOURS}, report_hour_edges()) END AS bucket, {sign} AS s FROM {table}"
        for table, sign in sources
    )
    return f"""
    WITH d AS MATERIALIZED (
        SELECT date_trunc('month', l)::date AS month, extract(year FROM l)::int AS year, category, team_id, status,
               resolution, segment_id, bucket, s FROM ({rows}) x),
    cohorts AS (
        INSERT INTO report_cohorts AS r (month, category, team_id, status, resolution, n)
        SELECT month, category, team_id, status, resolution, sum(s) FROM d
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(s) <> 0 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (month, category, team_id, status, resolution) DO UPDATE SET n = r.n + EXCLUDED.n RETURNING 1),
    segments AS (
        INSERT INTO report_segment_years AS r (year, segment_id, n)
        SELECT year, segment_id, sum(s) FROM d WHERE segment_id IS NOT NULL
        GROUP BY 1, 2 HAVING sum(s) <> 0 ORDER BY 1, 2
        ON CONFLICT (year, segment_id) DO UPDATE SET n = r.n + EXCLUDED.n RETURNING 1),
    hours AS (
        INSERT INTO report_resolve_hist AS r (month, team_id, bucket, n)
        SELECT month, team_id, bucket, sum(s) FROM d WHERE bucket IS NOT NULL
        GROUP BY 1, 2, 3 HAVING sum(s) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (month, team_id, bucket) DO UPDATE SET n = r.n + EXCLUDED.n RETURNING 1)
    SELECT (SELECT count(*) FROM cohorts) + (SELECT count(*) FROM segments) + (SELECT count(*) FROM hours)"""


def upgrade() -> None:
    op.execute("""
    CREATE FUNCTION report_hour_edges() RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT array_prepend(0::float8, array_agg(0.25 * power(1.05, k)::float8 ORDER BY k))
        FROM generate_series(0, 260) k
    $$;
    CREATE TABLE report_cohorts (
        month date NOT NULL, category text NOT NULL, team_id bigint, status text NOT NULL, resolution text,
        n integer NOT NULL);
    CREATE UNIQUE INDEX ux_report_cohorts ON report_cohorts (month, category, team_id, status, resolution)
        NULLS NOT DISTINCT;
    CREATE TABLE report_segment_years (
        year integer NOT NULL, segment_id bigint NOT NULL, n integer NOT NULL, PRIMARY KEY (year, segment_id));
    CREATE INDEX ix_report_segment_years_n ON report_segment_years (year, n DESC, segment_id);
    CREATE TABLE report_resolve_hist (
        month date NOT NULL, team_id bigint, bucket integer NOT NULL, n integer NOT NULL);
    CREATE UNIQUE INDEX ux_report_resolve_hist ON report_resolve_hist (month, team_id, bucket) NULLS NOT DISTINCT;
    """)
    op.execute(f"""
    CREATE INDEX ix_issues_open_due ON issues (due_at) WHERE {_any(OPEN)};
    CREATE INDEX ix_issues_updated_at ON issues (updated_at);
    CREATE INDEX ix_issues_resolve_hours ON issues (team_id, ({HOURS})) INCLUDE (reported_at, resolved_at, id)
        WHERE {_any(SOLVED)};
    """)
    for kind in ("insert", "update", "delete"):
        tables = {
            "insert": "NEW TABLE AS new_rows",
            "delete": "OLD TABLE AS old_rows",
            "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        }[kind]
        op.execute(f"""
        CREATE FUNCTION report_rollups_{kind}() RETURNS trigger LANGUAGE plpgsql
        SET work_mem = '256MB'   -- a million-row statement groups in memory, not in sorted runs on disk
        AS $$
        DECLARE changed bigint;
        BEGIN {_apply(kind)} INTO changed;
            RETURN NULL;
        END $$;
        CREATE TRIGGER report_rollups_{kind} AFTER {kind.upper()} ON issues
            REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION report_rollups_{kind}();
        """)
    # Backfill from the issues already there: the insert trigger's query over the whole table.
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(_apply("insert").replace("new_rows", "issues"))


def downgrade() -> None:
    for kind in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER report_rollups_{kind} ON issues; DROP FUNCTION report_rollups_{kind}();")
    op.execute("""
    DROP INDEX ix_issues_open_due; DROP INDEX ix_issues_resolve_hours; DROP INDEX ix_issues_updated_at;
    DROP TABLE report_cohorts, report_segment_years, report_resolve_hist;
    DROP FUNCTION report_hour_edges();
    """)
