"""Search: the place names a search box looks through, with their pinyin keys, and prefix indexes.

`search_names` holds each distinct name of a street, compound, reception hall, administrative area or
water area once, with `keys`: the pinyin initials and spellings of every reading, space-separated
(银湖南路 → "yhnl yinhunanlu"). PostgreSQL cannot compute pinyin, so triggers only add new names
(every writer, COPY and raw SQL included, goes through them) with `keys` NULL; the application fills the
pending keys with pypinyin (`geo_app.domain.maps.search_keys`), here for the names already stored, later
before a search reads them. A name no longer used stays and simply finds nothing: search joins back to the
tables. The table holds distinct names (thousands in a city), so a search scans it instead of every row.

Segment codes and issue references are searched by prefix through `text_pattern_ops` indexes, which serve
LIKE 'prefix%' whatever the database's collation; street names get a plain index for the join back.

Revision ID: 0016
Revises: 0015_residents
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015_residents"
branch_labels = None
depends_on = None

# table -> its name column
NAMED = {
    "street_segments": "street_name",
    "compounds": "name",
    "reception_halls": "name",
    "admin_areas": "name",
    "water_areas": "name",
}


def upgrade() -> None:
    op.create_table(
        "search_names",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("keys", sa.Text()),
    )
    op.create_index("ix_search_names_pending", "search_names", ["name"], postgresql_where=sa.text("keys IS NULL"))
    op.execute("""
        CREATE FUNCTION search_names_add() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            EXECUTE format('INSERT INTO search_names (name) SELECT DISTINCT %1$I FROM new_rows
                            WHERE %1$I IS NOT NULL ORDER BY 1 ON CONFLICT DO NOTHING', TG_ARGV[0]);
            RETURN NULL;
        END $$""")
    for table, column in NAMED.items():
        for event in ("INSERT", "UPDATE"):
            op.execute(f"""
                CREATE TRIGGER {table}_search_{event.lower()} AFTER {event} ON {table}
                REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
                EXECUTE FUNCTION search_names_add('{column}')""")
        op.execute(f"INSERT INTO search_names (name) SELECT DISTINCT {column} FROM {table} ON CONFLICT DO NOTHING")
    op.execute("CREATE INDEX ix_street_segments_street_name ON street_segments (street_name)")
    op.execute("CREATE INDEX ix_street_segments_code_pattern ON street_segments (upper(code) text_pattern_ops)")
    op.execute("CREATE INDEX ix_issues_ref_pattern ON issues (ref text_pattern_ops)")

    from geo_app.domain.maps.search_keys import fill_pending

    fill_pending(op.get_bind())


def downgrade() -> None:
    op.execute("DROP INDEX ix_issues_ref_pattern")
    op.execute("DROP INDEX ix_street_segments_code_pattern")
    op.execute("DROP INDEX ix_street_segments_street_name")
    for table in NAMED:
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER {table}_search_{event} ON {table}")
    op.execute("DROP FUNCTION search_names_add()")
    op.drop_table("search_names")
