"""A reporter's e-mail (Open311 sends one), kept like name and phone: for staff only.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("issues", sa.Column("reporter_email", sa.String(length=254), nullable=True))
    op.create_check_constraint(
        "reporter_email_shape", "issues", "reporter_email IS NULL OR reporter_email ~ '^[^@[:space:]]+@[^@[:space:]]+$'"
    )


def downgrade():
    op.drop_constraint(op.f("ck_issues_reporter_email_shape"), "issues", type_="check")
    op.drop_column("issues", "reporter_email")
