"""Staff tiles read the open issues' own spatial index: a zoom-14 tile at a million issues ANDed every open
issue of the district (320k rows from the status index) with the tile's 14k issues; a GiST of the open
issues' points (the staff layer's default statuses, which the tile query now writes out) answers it alone.

Revision ID: 0019
Revises: 0018
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# vocab.OPEN_STATUSES, written the way pg_get_indexdef prints it back (as 0011's OPEN)
OPEN = "status::text = ANY (ARRAY['reported', 'accepted', 'dispatched', 'in_progress']::text[])"


def upgrade() -> None:
    op.execute(f"CREATE INDEX ix_issues_open_geom ON issues USING gist (geom) WHERE {OPEN}")


def downgrade() -> None:
    op.execute("DROP INDEX ix_issues_open_geom")
