"""Login hygiene: a per-user auth epoch (logout and revocation end every session and token) and a
throttle table shared by every server process.

`users.auth_epoch` is part of the session's user id and of every bearer token: bumping it (logout,
`flask tokens revoke USER`) makes every copy of an old cookie or token worthless at once.
`login_throttle` counts failed logins per account and per client address; its rows live in the database
so that all worker processes of the server see the same counts.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("auth_epoch", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
    op.drop_column("users", "auth_epoch")
