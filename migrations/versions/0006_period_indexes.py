"""Indexes for the maps' period filters: a tile's issues of a period read from an index alone.

Tiles the rollups cannot answer because they are limited to a period were counted by location first,
then filtered by time (a z12 tile's ~140k issues for the ~12k of one month). Two covering indexes let
them read only the period's issues, from the index alone:
- ix_issues_reported_cover: issues by time of report with geom, status and category (heat and staff
  clusters filter by the time of report; 1M issues, one month, heat z12: ~115 → ~30 ms). The plain
  ix_issues_reported_at stays: the report's edge-day counts need other columns, and given only this
  wider index the planner reads the whole table instead (0.3 → 0.9 s);
- ix_issues_solved_by_segment: solved issues by segment and time of resolution, with their category
  (the public map counts a period's solved issues for each segment of the tile: one index-only probe a
  segment, whatever the period's length; public z12, 1M issues: one month 470 → ~60 ms, six months
  ~70 ms). Partial: only solved issues are ever on the public map.

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
    CREATE INDEX ix_issues_solved_by_segment ON issues (segment_id, resolved_at) INCLUDE (category) WHERE {SOLVED};
    """)


def downgrade() -> None:
    op.execute("DROP INDEX ix_issues_solved_by_segment; DROP INDEX ix_issues_reported_cover")
