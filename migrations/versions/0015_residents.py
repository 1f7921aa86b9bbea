"""Photos of a site visit: a photo belongs to an issue or to a site visit (书记在现场), never to neither.
Bearer tokens given out are listed (never the tokens themselves), so that an admin sees the live ones and
can revoke one.

Revision ID: 0015_residents
Revises: 0014_month_rollups
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_residents"
down_revision = "0014_month_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "photos",
        sa.Column(
            "site_visit_id",
            sa.Integer(),
            sa.ForeignKey("site_visits.id", name=op.f("fk_photos_site_visit_id_site_visits")),
            nullable=True,
        ),
    )
    op.create_index(op.f("ix_photos_site_visit_id"), "photos", ["site_visit_id"])
    op.alter_column("photos", "issue_id", nullable=True)
    op.create_check_constraint(op.f("ck_photos_owner"), "photos", "issue_id IS NOT NULL OR site_visit_id IS NOT NULL")

    op.create_table(
        "bearer_tokens",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name=op.f("fk_bearer_tokens_user_id_users")),
            nullable=False,
        ),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(op.f("ix_bearer_tokens_user_id"), "bearer_tokens", ["user_id"])
    op.create_index(op.f("ix_bearer_tokens_expires_at"), "bearer_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_table("bearer_tokens")
    # site-visit photos have no issue to stay with: their rows go (the files stay on disk)
    op.execute("DELETE FROM photos WHERE issue_id IS NULL")
    op.drop_constraint(op.f("ck_photos_owner"), "photos", type_="check")
    op.alter_column("photos", "issue_id", nullable=False)
    op.drop_index(op.f("ix_photos_site_visit_id"), "photos")
    op.drop_column("photos", "site_visit_id")
