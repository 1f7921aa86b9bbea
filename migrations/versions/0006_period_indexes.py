"""Indexes for the maps' period filters: a month of issues in a tile read from one index range.

Tiles the rollups cannot answer because they are limited to a period were counted by location first,
then filtered by time (a z12 tile's ~140k issues for the ~12k of one month). Two covering indexes let
them read the period's issues in time order, index only:
- ix_issues_reported_cover: issues by time of report with geom, status and category (heat and staff
  clusters filter by the time of report; 1M issues, one month, heat z12: ~115 → ~30 ms). The plain
  ix_issues_reported_at stays: the report's edge-day counts need other columns, and given only this
  wider index the planner reads the whole table instead (0.3 → 0.9 s);
- ix_issues_solved_at: solved issues by time of resolution with their segment and category (the public
  map counts a period's solved issues per street segment; public z12: 470 → ~80 ms). Partial: only
  solved issues are ever on the public map.

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# written the way pg_get_indexdef prints it back, since the bulk import rebuilds indexes from it
SOLVED = "status::text = ANY (ARRAY['resolved', 'verified', 'closed']::text[])"


def upgrade() -> None:
    op.execute(f"""
    CREATE INDEX ix_issues_reported_cover ON issues (reported_at) INCLUDE (geom, status, category);
    CREATE INDEX ix_issues_solved_at ON issues (resolved_at) INCLUDE (segment_id, category) WHERE {SOLVED};
    """)


def downgrade() -> None:
    op.execute("DROP INDEX ix_issues_solved_at; DROP INDEX ix_issues_reported_cover")
