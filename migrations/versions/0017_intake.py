"""Cheaper intake: the reference is taken inside the INSERT, and the duplicate offer reads open issues only.

- `issue_next_ref(prefix, year)` returns the next reference text (`DT-2026-00123`, at least five digits,
  like refs.format_ref) from the prefix's and year's sequence (0011), so the intake's INSERT takes its
  reference itself instead of a round trip before it.
- The duplicate offer looks for open issues of the same category near the new one or on its segment. Its
  BitmapAnd with (status, category) read every open issue of the category; two partial indexes on open
  issues (a GiST of the metric point, and segment with category) answer it from a few entries. Closed
  issues, the great majority over the years, are in neither.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# vocab.OPEN_STATUSES when written, in the form PostgreSQL prints back unchanged (as 0011's OPEN)
OPEN = "status::text = ANY (ARRAY['reported', 'accepted', 'dispatched', 'in_progress']::text[])"

NEXT_REF = r"""
CREATE FUNCTION issue_next_ref(p text, y integer) RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT format('%s-%s-%s', p, y, CASE WHEN n < 100000 THEN lpad(n::text, 5, '0') ELSE n::text END)
    FROM (SELECT nextval(issue_ref_sequence(p, y)) AS n) q
$$;
"""


def upgrade() -> None:
    op.execute(NEXT_REF)
    op.execute(f"CREATE INDEX ix_issues_open_geom_m ON issues USING gist (geom_m) WHERE {OPEN}")
    op.execute(f"CREATE INDEX ix_issues_open_segment ON issues (segment_id, category) WHERE {OPEN}")


def downgrade() -> None:
    op.execute("DROP INDEX ix_issues_open_segment")
    op.execute("DROP INDEX ix_issues_open_geom_m")
    op.execute("DROP FUNCTION issue_next_ref(text, integer)")
