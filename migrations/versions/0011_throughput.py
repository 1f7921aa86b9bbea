"""Throughput: references from sequences, and a generation number for the public caches.

- References: `ref_counters` was one row per prefix and year, locked by every intake from the moment it
  took its number until commit (snapping, triggers, fsync): intakes ran one at a time. Now each prefix and
  year has its own sequence `issue_ref_<prefix>_<year>`, created on first use by `issue_ref_sequence(p, y)`
  (SECURITY DEFINER: the web server's role may use sequences but not create them). nextval never waits
  for another transaction, so concurrent intakes never wait on each other; a number taken by a transaction
  that rolls back is not reused (refs may have gaps). Only the very first reference of a prefix and year
  waits for whoever created its sequence to commit.
- Lists: keyset pagination walks indexes of report times (all issues; open ones, new here, for the overdue
  issues that lead the work lists) and of open issues' due dates (0005), an incremental sort adding the id.
- Public caches: `public_generation` is bumped (nextval: no lock) by every change of `public_cells`, the
  rollup of solved issues that the public tiles and the public API show; caches compare it.

Revision ID: 0011_throughput
Revises: 0010
"""

from alembic import op

revision = "0011_throughput"
down_revision = "0010"
branch_labels = None
depends_on = None


REF_FUNCTION = r"""
CREATE FUNCTION issue_ref_sequence(p text, y integer) RETURNS regclass
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    name text;
    seq regclass;
BEGIN
    IF p !~ '^[A-Z]{1,10}$' OR y NOT BETWEEN 1000 AND 9999 THEN
        RAISE EXCEPTION 'issue_ref_sequence: bad prefix % or year %', p, y USING ERRCODE = '22023';
    END IF;
    name := format('issue_ref_%s_%s', lower(p), y);
    seq := to_regclass('public.' || name);
    IF seq IS NULL THEN
        BEGIN  -- a concurrent creator makes us wait for its commit, then fail here: its sequence will do
            EXECUTE format('CREATE SEQUENCE public.%I AS bigint MINVALUE 1', name);
        EXCEPTION WHEN duplicate_table OR unique_violation THEN NULL;
        END;
        seq := ('public.' || name)::regclass;
    END IF;
    RETURN seq;
END $$;
"""

GENERATION = """
CREATE SEQUENCE public_generation AS bigint;
CREATE FUNCTION public_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('public_generation');
    RETURN NULL;
END $$;
CREATE TRIGGER public_cells_generation AFTER INSERT OR UPDATE OR DELETE ON public_cells
    FOR EACH ROW EXECUTE FUNCTION public_generation_bump();
CREATE TRIGGER public_cells_generation_truncate AFTER TRUNCATE ON public_cells
    FOR EACH STATEMENT EXECUTE FUNCTION public_generation_bump();
"""


TODO = "action::text = ANY (ARRAY['escalate', 'request_extension', 'decide_extension']::text[])"  # as OPEN below
# vocab.OPEN_STATUSES when written, in the form PostgreSQL prints back unchanged (0005's _any: the bulk
# import rebuilds indexes from pg_get_indexdef)
OPEN = "status::text = ANY (ARRAY['reported', 'accepted', 'dispatched', 'in_progress']::text[])"


def upgrade() -> None:
    op.execute(REF_FUNCTION)
    # one sequence per counter, continuing where the counter stopped
    op.execute("""
    DO $$
    DECLARE r record;
    BEGIN
        FOR r IN SELECT prefix, year, last FROM ref_counters WHERE prefix ~ '^[A-Z]{1,10}$' AND last > 0 LOOP
            PERFORM setval(issue_ref_sequence(r.prefix, r.year), r.last);
        END LOOP;
    END $$""")
    op.drop_table("ref_counters")
    op.execute(f"CREATE INDEX ix_issues_open_reported ON issues (reported_at) WHERE {OPEN}")
    # the to-do counts start from the rare events and dispatches, not from every issue
    op.execute(f"CREATE INDEX ix_issue_events_todo ON issue_events (issue_id) WHERE {TODO}")
    op.execute("CREATE INDEX ix_dispatches_returned ON dispatches (issue_id) WHERE returned_at IS NOT NULL")
    op.execute(GENERATION)


def downgrade() -> None:
    op.execute("DROP TRIGGER public_cells_generation_truncate ON public_cells")
    op.execute("DROP TRIGGER public_cells_generation ON public_cells")
    op.execute("DROP FUNCTION public_generation_bump()")
    op.execute("DROP SEQUENCE public_generation")
    op.execute("DROP INDEX ix_issues_open_reported")
    op.execute("DROP INDEX ix_dispatches_returned")
    op.execute("DROP INDEX ix_issue_events_todo")
    op.execute("""
    CREATE TABLE ref_counters (
        prefix varchar(20) NOT NULL, year integer NOT NULL, last integer NOT NULL,
        CONSTRAINT pk_ref_counters PRIMARY KEY (prefix, year))""")
    op.execute("""
    DO $$
    DECLARE r record; n bigint;
    BEGIN
        FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
                 WHERE s.nspname = 'public' AND c.relkind = 'S' AND c.relname ~ '^issue_ref_[a-z]+_[0-9]{4}$' LOOP
            EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM public.%I', r.relname) INTO n;
            INSERT INTO ref_counters VALUES (upper(split_part(r.relname, '_', 3)), split_part(r.relname, '_', 4)::int, n);
            EXECUTE format('DROP SEQUENCE public.%I', r.relname);
        END LOOP;
    END $$""")
    op.execute("DROP FUNCTION issue_ref_sequence(text, integer)")
