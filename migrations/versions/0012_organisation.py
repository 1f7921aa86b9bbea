"""The organisation as data: vocabularies with an active flag, category defaults, channels as a table,
names in both languages for areas, halls, compounds and teams, and an audit of every change.

- categories gain a group, search keywords, their Open311 fields and default departments (the whistle
  pre-selects them); retired entries (active = false) stay for the issues that use them.
- channels become a table (codes stay those of SPEC 6): a deployment adds "Phone" or "Web" without code.
- compounds gain a stable code (filled for existing rows), so that files and the API can name them.
- org_audit: who changed what, when, before and after (JSON), never rewritten.

Revision ID: 0012_organisation
Revises: 0011_throughput
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0012_organisation"
down_revision = "0011_throughput"
branch_labels = None
depends_on = None

CHANNELS = [
    ("reception_hall", "民意接待厅", "Reception hall", 1),
    ("phone", "电话", "Phone", 2),
    ("wechat", "微信群", "WeChat group", 3),
    ("patrol", "巡查", "On-site patrol", 4),
    ("web", "网站", "Web", 5),
    ("open311", "Open311", "Open311", 6),
]
NAMED = ("admin_areas", "reception_halls", "compounds", "teams")


def _active() -> sa.Column:
    return sa.Column("active", sa.Boolean(), nullable=False, server_default="true")


def upgrade() -> None:
    op.add_column("categories", sa.Column("group_name", sa.String(80)))
    op.add_column("categories", sa.Column("keywords", sa.Text()))
    op.add_column("categories", sa.Column("service_code", sa.String(64)))
    op.add_column("categories", sa.Column("service_description", sa.Text()))
    op.add_column("categories", sa.Column("service_keywords", sa.Text()))
    op.add_column("categories", sa.Column("service_group", sa.String(80)))
    op.add_column("categories", sa.Column("service_type", sa.String(20), nullable=False, server_default="realtime"))
    op.add_column("categories", _active())
    op.create_unique_constraint(op.f("uq_categories_service_code"), "categories", ["service_code"])
    op.create_check_constraint(
        op.f("ck_categories_service_type"), "categories", "service_type IN ('realtime', 'batch', 'blackbox')"
    )
    op.create_table(
        "category_departments",
        sa.Column(
            "category_code",
            sa.String(40),
            sa.ForeignKey(
                "categories.code", ondelete="CASCADE", name=op.f("fk_category_departments_category_code_categories")
            ),
            primary_key=True,
        ),
        sa.Column(
            "department_id",
            sa.Integer(),
            sa.ForeignKey(
                "departments.id", ondelete="CASCADE", name=op.f("fk_category_departments_department_id_departments")
            ),
            primary_key=True,
        ),
        sa.Column("position", sa.SmallInteger(), nullable=False, server_default="0"),
    )
    op.add_column("departments", _active())

    channels = op.create_table(
        "channels",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name_zh", sa.String(80), nullable=False),
        sa.Column("name_en", sa.String(80), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False, server_default="0"),
        _active(),
    )
    op.bulk_insert(
        channels, [dict(zip(("code", "name_zh", "name_en", "position"), row, strict=True)) for row in CHANNELS]
    )
    op.drop_constraint(op.f("ck_issues_channel"), "issues", type_="check")
    op.create_foreign_key(op.f("fk_issues_channel_channels"), "issues", "channels", ["channel"], ["code"])

    for table in NAMED:
        op.add_column(table, sa.Column("name_en", sa.String(120)))
        op.add_column(table, _active())
    op.add_column("compounds", sa.Column("code", sa.String(40)))
    op.execute("UPDATE compounds SET code = 'C' || id")
    op.alter_column("compounds", "code", nullable=False)
    op.create_unique_constraint(op.f("uq_compounds_code"), "compounds", ["code"])

    op.create_table(
        "org_audit",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id", name=op.f("fk_org_audit_actor_id_users"))),
        sa.Column("actor", sa.String(60), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("before", JSONB()),
        sa.Column("after", JSONB()),
    )
    op.create_index(op.f("ix_org_audit_kind_code"), "org_audit", ["kind", "code"])
    op.create_index(op.f("ix_org_audit_at"), "org_audit", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_org_audit_at"), "org_audit")
    op.drop_index(op.f("ix_org_audit_kind_code"), "org_audit")
    op.drop_table("org_audit")
    op.drop_constraint(op.f("uq_compounds_code"), "compounds", type_="unique")
    op.drop_column("compounds", "code")
    for table in NAMED:
        op.drop_column(table, "active")
        op.drop_column(table, "name_en")
    op.drop_constraint(op.f("fk_issues_channel_channels"), "issues", type_="foreignkey")
    op.create_check_constraint(
        op.f("ck_issues_channel"),
        "issues",
        "channel IN ('reception_hall', 'phone', 'wechat', 'patrol', 'web', 'open311')",
    )
    op.drop_table("channels")
    op.drop_column("departments", "active")
    op.drop_table("category_departments")
    op.drop_constraint(op.f("ck_categories_service_type"), "categories", type_="check")
    op.drop_constraint(op.f("uq_categories_service_code"), "categories", type_="unique")
    for column in (
        "active",
        "service_type",
        "service_group",
        "service_keywords",
        "service_description",
        "service_code",
        "keywords",
        "group_name",
    ):
        op.drop_column("categories", column)
