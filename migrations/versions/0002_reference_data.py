"""Reference data every deployment starts with: issue categories and departments (codes are a contract).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CATEGORIES = [
    # code, name_zh, name_en, service level in days, blocks access (fire lanes)
    ("cooking_fumes", "油烟", "Cooking fumes", 15, False),
    ("noise", "噪声", "Noise", 7, False),
    ("illegal_parking", "违停占道", "Illegal parking / blocked access", 3, True),
    ("dog_keeping", "文明养犬", "Dog keeping", 10, False),
    ("water_renovation", "水改", "Water-pipe renovation", 30, False),
    ("ac_dripping", "空调滴水", "Air-conditioner dripping", 7, False),
    ("obstruction", "占道堆放", "Obstruction of passage", 3, True),
    ("sanitation", "环境卫生", "Sanitation", 5, False),
    ("road_damage", "道路破损", "Road damage", 15, False),
    ("street_light", "路灯", "Street lights", 7, False),
]
DEPARTMENTS = [
    ("police", "公安", "Police"),
    ("fire", "消防", "Fire brigade"),
    ("urban_mgmt", "城管", "Urban management"),
    ("market_reg", "市场监管", "Market regulation"),
    ("environment", "生态环境", "Ecology & environment"),
    ("housing", "住建", "Housing & construction"),
    ("water", "水务", "Water affairs"),
    ("property", "物业", "Property management"),
    ("community", "社区", "Community"),
]


def upgrade():
    categories = sa.table(
        "categories",
        sa.column("code"),
        sa.column("name_zh"),
        sa.column("name_en"),
        sa.column("sla_days"),
        sa.column("blocks_access"),
    )
    departments = sa.table("departments", sa.column("code"), sa.column("name_zh"), sa.column("name_en"))
    op.bulk_insert(
        categories,
        [
            dict(zip(("code", "name_zh", "name_en", "sla_days", "blocks_access"), row, strict=False))
            for row in CATEGORIES
        ],
    )
    op.bulk_insert(departments, [dict(zip(("code", "name_zh", "name_en"), row, strict=False)) for row in DEPARTMENTS])


def downgrade():
    codes = ", ".join(f"'{c[0]}'" for c in CATEGORIES)
    op.execute(f"DELETE FROM categories WHERE code IN ({codes})")
    codes = ", ".join(f"'{d[0]}'" for d in DEPARTMENTS)
    op.execute(f"DELETE FROM departments WHERE code IN ({codes})")
