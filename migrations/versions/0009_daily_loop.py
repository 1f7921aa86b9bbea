"""The daily loop: unlinked issues wait with a reason and an owner; a dispatch keeps its result note or its
return (退单).

An issue beyond the snap distance is filed only when the clerk confirms it, with the reason kept on the
issue (`unlinked_reason`), and it waits in a review queue with an owner (`review_owner_id`) until someone
relocates it. A dispatch is done with a result note, or returned by the department with a reason; a
returned dispatch is no longer waited for. Escalations (督办), extension requests and follow-ups (回访) are
events in issue_events and need no columns.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photos",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "issue_id",
            sa.BigInteger(),
            sa.ForeignKey("issues.id", name=op.f("fk_photos_issue_id_issues")),
            nullable=False,
        ),
        sa.Column(
            "dispatch_id",
            sa.BigInteger(),
            sa.ForeignKey("dispatches.id", name=op.f("fk_photos_dispatch_id_dispatches")),
        ),
        sa.Column("stage", sa.String(10), nullable=False),
        sa.Column("public", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("path", sa.String(200), nullable=False),
        sa.Column("thumb_path", sa.String(200), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id", name=op.f("fk_photos_created_by_users"))),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("stage IN ('before', 'after')", name=op.f("ck_photos_stage")),
        sa.CheckConstraint("bytes > 0", name=op.f("ck_photos_bytes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
    )
    op.create_index(op.f("ix_photos_issue_id"), "photos", ["issue_id"])
    op.add_column("issues", sa.Column("unlinked_reason", sa.Text(), nullable=True))
    op.add_column("issues", sa.Column("review_owner_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_issues_review_owner_id_users"), "issues", "users", ["review_owner_id"], ["id"])
    op.create_index("ix_issues_unlinked", "issues", ["id"], postgresql_where=sa.text("segment_id IS NULL"))
    op.add_column("dispatches", sa.Column("result_note", sa.Text(), nullable=True))
    op.add_column("dispatches", sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("dispatches", sa.Column("return_reason", sa.Text(), nullable=True))
    op.create_check_constraint("returned_not_done", "dispatches", "returned_at IS NULL OR done_at IS NULL")
    op.create_check_constraint("returned_has_reason", "dispatches", "returned_at IS NULL OR return_reason IS NOT NULL")


def downgrade() -> None:
    op.drop_index(op.f("ix_photos_issue_id"), "photos")
    op.drop_table("photos")
    op.drop_constraint(op.f("ck_dispatches_returned_has_reason"), "dispatches", type_="check")
    op.drop_constraint(op.f("ck_dispatches_returned_not_done"), "dispatches", type_="check")
    op.drop_column("dispatches", "return_reason")
    op.drop_column("dispatches", "returned_at")
    op.drop_column("dispatches", "result_note")
    op.drop_index("ix_issues_unlinked", "issues")
    op.drop_constraint(op.f("fk_issues_review_owner_id_users"), "issues", type_="foreignkey")
    op.drop_column("issues", "review_owner_id")
    op.drop_column("issues", "unlinked_reason")
