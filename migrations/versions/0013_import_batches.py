"""Imports are batches that can be repeated and undone; Open311 shows text only for issues staff made public.

- `import_batches`: one row per `import-issues` run (source, file, counts, when it was undone).
- `issues.source`, `issues.source_id`: the row's id in the system it came from, unique per source, so a
  re-import finds what it already brought in; `issues.import_batch_id`: the batch that created the issue.
- `import_batch_updates`: what an `--update` import changed, with the issue's columns before it, so that
  undoing that batch puts them back.
- `issues.public`: staff's choice to publish an issue's description and photos over Open311 (NULL: the
  deployment's default, `deployment.public_by_default`, off unless a deployment says otherwise);
  `issues.media_url`: the picture an Open311 client sent with its request.

Revision ID: 0013_import_batches
Revises: 0012_organisation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013_import_batches"
down_revision = "0012_organisation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("source", sa.String(80)),
        sa.Column("id_column", sa.String(200)),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("read", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("inserted", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("skipped", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("rejected", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("undone_at", sa.DateTime(timezone=True)),
        sa.Column("undo_forced", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.CheckConstraint(
            "source IS NULL OR source ~ '^[A-Za-z0-9_.:-]{1,80}$'", name=op.f("ck_import_batches_source")
        ),
    )
    op.add_column("issues", sa.Column("source", sa.String(80)))
    op.add_column("issues", sa.Column("source_id", sa.String(200)))
    op.add_column(
        "issues",
        sa.Column(
            "import_batch_id",
            sa.BigInteger(),
            sa.ForeignKey("import_batches.id", name="fk_issues_import_batch_id_import_batches"),
        ),
    )
    op.add_column("issues", sa.Column("public", sa.Boolean()))
    op.add_column("issues", sa.Column("media_url", sa.String(1000)))
    op.create_check_constraint(op.f("ck_issues_source_pair"), "issues", "(source IS NULL) = (source_id IS NULL)")
    op.create_index("ux_issues_source", "issues", ["source", "source_id"], unique=True)
    op.create_index(
        "ix_issues_import_batch", "issues", ["import_batch_id"], postgresql_where=sa.text("import_batch_id IS NOT NULL")
    )
    op.create_table(
        "import_batch_updates",
        sa.Column(
            "batch_id",
            sa.BigInteger(),
            sa.ForeignKey("import_batches.id", name="fk_import_batch_updates_batch_id_import_batches"),
            primary_key=True,
        ),
        sa.Column(
            "issue_id",
            sa.BigInteger(),
            sa.ForeignKey("issues.id", name="fk_import_batch_updates_issue_id_issues", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("before", JSONB(), nullable=False),
    )
    op.create_index("ix_import_batch_updates_issue", "import_batch_updates", ["issue_id"])
    op.add_column("deployment", sa.Column("public_by_default", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("deployment", "public_by_default")
    op.drop_table("import_batch_updates")
    op.drop_index("ix_issues_import_batch", "issues")
    op.drop_index("ux_issues_source", "issues")
    op.drop_constraint(op.f("ck_issues_source_pair"), "issues")
    for column in ("media_url", "public", "import_batch_id", "source_id", "source"):
        op.drop_column("issues", column)
    op.drop_table("import_batches")
