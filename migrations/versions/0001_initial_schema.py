"""Initial schema: geography, organisation, users, visits, issues with their events and dispatches.

The metric CRS of the generated `geom_m` columns is the deployment's METRIC_SRID (default 32649,
UTM 49N for Wuzhou), fixed when this migration runs. Event tables are append-only (triggers).

Revision ID: 0001
Create Date: 2026-11-29
"""

import os

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

METRIC_SRID = int(os.environ.get("METRIC_SRID", "32649"))

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


POSTGIS_HELP = (
    "the database has no PostGIS and this role may not create it: ask the DBA to run, as a superuser on "
    "database {db}:  CREATE EXTENSION IF NOT EXISTS postgis;  then run `flask --app geo_app db upgrade` again"
)


def _postgis() -> None:
    """Create PostGIS on a fresh database (a real server behind DATABASE_URL has none), or say who must."""
    conn = op.get_bind()
    if conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").first():
        return
    conn.exec_driver_sql("SAVEPOINT postgis")
    try:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
    except sa.exc.DBAPIError as err:
        conn.exec_driver_sql("ROLLBACK TO SAVEPOINT postgis")
        db = conn.exec_driver_sql("SELECT current_database()").scalar()
        raise RuntimeError(POSTGIS_HELP.format(db=db) + f"  (the server said: {err.orig})") from None


def upgrade():
    _postgis()
    op.create_geospatial_table(
        "admin_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("level IN ('district', 'subdistrict', 'community')", name=op.f("ck_admin_areas_level")),
        sa.CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_admin_areas_geom_valid")),
        sa.ForeignKeyConstraint(["parent_id"], ["admin_areas.id"], name=op.f("fk_admin_areas_parent_id_admin_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_areas")),
        sa.UniqueConstraint("code", name=op.f("uq_admin_areas_code")),
    )
    with op.batch_alter_table("admin_areas", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_admin_areas_geom", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
        )

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("key_sha256", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_sha256", name=op.f("uq_api_keys_key_sha256")),
        sa.UniqueConstraint("label", name=op.f("uq_api_keys_label")),
    )
    op.create_table(
        "categories",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("sla_days", sa.Integer(), nullable=False),
        sa.Column("blocks_access", sa.Boolean(), nullable=False),
        sa.CheckConstraint("sla_days > 0", name=op.f("ck_categories_sla_positive")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_categories")),
    )
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("code", name=op.f("uq_departments_code")),
    )
    op.create_geospatial_table(
        "water_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_water_areas_geom_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_areas")),
        sa.UniqueConstraint("name", name=op.f("uq_water_areas_name")),
    )
    with op.batch_alter_table("water_areas", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_water_areas_geom", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
        )

    op.create_geospatial_table(
        "compounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_compounds_geom_valid")),
        sa.CheckConstraint("households >= 0 AND residents >= 0", name=op.f("ck_compounds_people")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["admin_areas.id"], name=op.f("fk_compounds_community_id_admin_areas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compounds")),
        sa.UniqueConstraint("name", name=op.f("uq_compounds_name")),
    )
    with op.batch_alter_table("compounds", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_compounds_geom", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
        )

    op.create_geospatial_table(
        "reception_halls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_reception_halls_geom_valid")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["admin_areas.id"], name=op.f("fk_reception_halls_community_id_admin_areas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_halls")),
        sa.UniqueConstraint("code", name=op.f("uq_reception_halls_code")),
    )
    with op.batch_alter_table("reception_halls", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_reception_halls_geom", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
        )

    op.create_geospatial_table(
        "street_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("street_name", sa.String(length=120), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="LINESTRING",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "geom_m",
            Geometry(
                geometry_type="LINESTRING",
                srid=METRIC_SRID,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            sa.Computed(f"ST_Transform(geom, {METRIC_SRID})", persisted=True),
            nullable=False,
        ),
        sa.Column(
            "length_m",
            sa.Float(),
            sa.Computed(f"ST_Length(ST_Transform(geom, {METRIC_SRID}))", persisted=True),
            nullable=False,
        ),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_street_segments_geom_valid")),
        sa.CheckConstraint("length_m > 0", name=op.f("ck_street_segments_length_positive")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["admin_areas.id"], name=op.f("fk_street_segments_community_id_admin_areas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_street_segments")),
        sa.UniqueConstraint("code", name=op.f("uq_street_segments_code")),
    )
    with op.batch_alter_table("street_segments", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_street_segments_geom", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_geospatial_index(
            "idx_street_segments_geom_m", ["geom_m"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_index(batch_op.f("ix_street_segments_community_id"), ["community_id"], unique=False)

    op.create_geospatial_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column(
            "drawn_area",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(["community_id"], ["admin_areas.id"], name=op.f("fk_teams_community_id_admin_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("code", name=op.f("uq_teams_code")),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_teams_drawn_area", ["drawn_area"], unique=False, postgresql_using="gist", postgresql_ops={}
        )

    op.create_geospatial_table(
        "fire_lanes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=True),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="LINESTRING",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "geom_m",
            Geometry(
                geometry_type="LINESTRING",
                srid=METRIC_SRID,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            sa.Computed(f"ST_Transform(geom, {METRIC_SRID})", persisted=True),
            nullable=False,
        ),
        sa.CheckConstraint("status IN ('blocked', 'partly_blocked', 'clear')", name=op.f("ck_fire_lanes_status")),
        sa.CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_fire_lanes_geom_valid")),
        sa.CheckConstraint("households >= 0 AND residents >= 0", name=op.f("ck_fire_lanes_people")),
        sa.ForeignKeyConstraint(["compound_id"], ["compounds.id"], name=op.f("fk_fire_lanes_compound_id_compounds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fire_lanes")),
        sa.UniqueConstraint("code", name=op.f("uq_fire_lanes_code")),
    )
    with op.batch_alter_table("fire_lanes", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_fire_lanes_geom", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_geospatial_index(
            "idx_fire_lanes_geom_m", ["geom_m"], unique=False, postgresql_using="gist", postgresql_ops={}
        )

    op.create_table(
        "team_segments",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["street_segments.id"],
            name=op.f("fk_team_segments_segment_id_street_segments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_segments_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", "segment_id", name=op.f("pk_team_segments")),
    )
    with op.batch_alter_table("team_segments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_segments_segment_id"), ["segment_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("hall_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("role <> 'staff' OR department_id IS NOT NULL", name=op.f("ck_users_staff_department")),
        sa.CheckConstraint(
            "role IN ('admin', 'planner', 'clerk', 'chief', 'secretary', 'staff')", name=op.f("ck_users_role")
        ),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], name=op.f("fk_users_department_id_departments")),
        sa.ForeignKeyConstraint(["hall_id"], ["reception_halls.id"], name=op.f("fk_users_hall_id_reception_halls")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_users_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "fire_lane_status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fire_lane_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "from_status IN ('blocked', 'partly_blocked', 'clear')", name=op.f("ck_fire_lane_status_events_from_status")
        ),
        sa.CheckConstraint(
            "to_status IN ('blocked', 'partly_blocked', 'clear')", name=op.f("ck_fire_lane_status_events_to_status")
        ),
        sa.CheckConstraint("from_status <> to_status", name=op.f("ck_fire_lane_status_events_changes")),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_fire_lane_status_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["fire_lane_id"], ["fire_lanes.id"], name=op.f("fk_fire_lane_status_events_fire_lane_id_fire_lanes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fire_lane_status_events")),
    )
    with op.batch_alter_table("fire_lane_status_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fire_lane_status_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_fire_lane_status_events_fire_lane_id"), ["fire_lane_id"], unique=False)

    op.create_geospatial_table(
        "site_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_site_visits_team_id_teams")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_site_visits_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_visits")),
    )
    with op.batch_alter_table("site_visits", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_site_visits_geom", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_index(batch_op.f("ix_site_visits_team_id"), ["team_id"], unique=False)

    op.create_table(
        "team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.CheckConstraint("role IN ('chief', 'secretary', 'liaison', 'member')", name=op.f("ck_team_members_role")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_team_members_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_members_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_team_members_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_members")),
    )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_members_team_id"), ["team_id"], unique=False)

    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("topics", sa.Text(), nullable=True),
        sa.Column("clerk_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("people BETWEEN 1 AND 500", name=op.f("ck_visits_people")),
        sa.ForeignKeyConstraint(["clerk_id"], ["users.id"], name=op.f("fk_visits_clerk_id_users")),
        sa.ForeignKeyConstraint(["hall_id"], ["reception_halls.id"], name=op.f("fk_visits_hall_id_reception_halls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        sa.UniqueConstraint("code", name=op.f("uq_visits_code")),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visits_hall_id"), ["hall_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visits_visited_at"), ["visited_at"], unique=False)

    op.create_geospatial_table(
        "issues",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "geom_m",
            Geometry(
                geometry_type="POINT",
                srid=METRIC_SRID,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            sa.Computed(f"ST_Transform(geom, {METRIC_SRID})", persisted=True),
            nullable=False,
        ),
        sa.Column("segment_id", sa.Integer(), nullable=True),
        sa.Column("snap_distance_m", sa.Float(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("fire_lane_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("reporter_name", sa.String(length=80), nullable=True),
        sa.Column("reporter_phone", sa.String(length=40), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.SmallInteger(), server_default="3", nullable=False),
        sa.Column("status", sa.String(length=20), server_default="reported", nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("duplicate_of_id", sa.BigInteger(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acceptance_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "channel IN ('reception_hall', 'phone', 'wechat', 'patrol', 'web', 'open311')",
            name=op.f("ck_issues_channel"),
        ),
        sa.CheckConstraint(
            "resolution IS NULL OR resolution IN ('on_site', 'team')", name=op.f("ck_issues_resolution")
        ),
        sa.CheckConstraint(
            "status <> 'duplicate' OR duplicate_of_id IS NOT NULL", name=op.f("ck_issues_duplicate_has_target")
        ),
        sa.CheckConstraint(
            "status <> 'rejected' OR reject_reason IS NOT NULL", name=op.f("ck_issues_rejected_has_reason")
        ),
        sa.CheckConstraint(
            "status IN ('reported', 'accepted', 'dispatched', 'in_progress', 'resolved', 'verified', 'closed', 'rejected', 'duplicate')",
            name=op.f("ck_issues_status"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('resolved', 'verified', 'closed') OR resolution IS NOT NULL",
            name=op.f("ck_issues_solved_has_resolution"),
        ),
        sa.CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_issues_geom_valid")),
        sa.CheckConstraint("char_length(description) <= 4000", name=op.f("ck_issues_description_length")),
        sa.CheckConstraint("priority BETWEEN 1 AND 4", name=op.f("ck_issues_priority")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_issues_version")),
        sa.ForeignKeyConstraint(["category"], ["categories.code"], name=op.f("fk_issues_category_categories")),
        sa.ForeignKeyConstraint(["duplicate_of_id"], ["issues.id"], name=op.f("fk_issues_duplicate_of_id_issues")),
        sa.ForeignKeyConstraint(["fire_lane_id"], ["fire_lanes.id"], name=op.f("fk_issues_fire_lane_id_fire_lanes")),
        sa.ForeignKeyConstraint(
            ["segment_id"], ["street_segments.id"], name=op.f("fk_issues_segment_id_street_segments")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_issues_team_id_teams")),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_issues_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issues")),
        sa.UniqueConstraint("ref", name=op.f("uq_issues_ref")),
    )
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_issues_geom", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_geospatial_index(
            "idx_issues_geom_m", ["geom_m"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_index(batch_op.f("ix_issues_fire_lane_id"), ["fire_lane_id"], unique=False)
        batch_op.create_index("ix_issues_reported_at", ["reported_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_issues_segment_id"), ["segment_id"], unique=False)
        batch_op.create_index("ix_issues_status_category", ["status", "category"], unique=False)
        batch_op.create_index(batch_op.f("ix_issues_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_issues_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "dispatches",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("issue_id", sa.BigInteger(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "acknowledged_at IS NULL OR acknowledged_at >= created_at", name=op.f("ck_dispatches_ack_after")
        ),
        sa.CheckConstraint(
            "arrived_at IS NULL OR (acknowledged_at IS NOT NULL AND arrived_at >= acknowledged_at)",
            name=op.f("ck_dispatches_arrive_after"),
        ),
        sa.CheckConstraint(
            "done_at IS NULL OR (arrived_at IS NOT NULL AND done_at >= arrived_at)",
            name=op.f("ck_dispatches_done_after"),
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_dispatches_created_by_users")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_dispatches_department_id_departments")
        ),
        sa.ForeignKeyConstraint(["issue_id"], ["issues.id"], name=op.f("fk_dispatches_issue_id_issues")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatches")),
    )
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatches_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatches_issue_id"), ["issue_id"], unique=False)

    op.create_table(
        "issue_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("issue_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.CheckConstraint(
            "from_status IS NULL OR from_status IN ('reported', 'accepted', 'dispatched', 'in_progress', 'resolved', 'verified', 'closed', 'rejected', 'duplicate')",
            name=op.f("ck_issue_events_from_status"),
        ),
        sa.CheckConstraint(
            "to_status IS NULL OR to_status IN ('reported', 'accepted', 'dispatched', 'in_progress', 'resolved', 'verified', 'closed', 'rejected', 'duplicate')",
            name=op.f("ck_issue_events_to_status"),
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_issue_events_actor_id_users")),
        sa.ForeignKeyConstraint(["issue_id"], ["issues.id"], name=op.f("fk_issue_events_issue_id_issues")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issue_events")),
    )
    with op.batch_alter_table("issue_events", schema=None) as batch_op:
        batch_op.create_index("ix_issue_events_issue_at", ["issue_id", "at"], unique=False)
        batch_op.create_index("ix_issue_events_to_status_at", ["to_status", "at"], unique=False)

    op.create_table(
        "site_visit_issues",
        sa.Column("site_visit_id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["issue_id"], ["issues.id"], name=op.f("fk_site_visit_issues_issue_id_issues")),
        sa.ForeignKeyConstraint(
            ["site_visit_id"],
            ["site_visits.id"],
            name=op.f("fk_site_visit_issues_site_visit_id_site_visits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("site_visit_id", "issue_id", name=op.f("pk_site_visit_issues")),
    )
    with op.batch_alter_table("site_visit_issues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_visit_issues_issue_id"), ["issue_id"], unique=False)
    op.create_table(
        "ref_counters",
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "year", name=op.f("pk_ref_counters")),
    )
    _append_only_triggers()


def downgrade():
    op.drop_table("ref_counters")
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.execute("DROP FUNCTION IF EXISTS forbid_rewrite()")
    with op.batch_alter_table("site_visit_issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_visit_issues_issue_id"))

    op.drop_table("site_visit_issues")
    with op.batch_alter_table("issue_events", schema=None) as batch_op:
        batch_op.drop_index("ix_issue_events_to_status_at")
        batch_op.drop_index("ix_issue_events_issue_at")

    op.drop_table("issue_events")
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatches_issue_id"))
        batch_op.drop_index(batch_op.f("ix_dispatches_department_id"))

    op.drop_table("dispatches")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issues_visit_id"))
        batch_op.drop_index(batch_op.f("ix_issues_team_id"))
        batch_op.drop_index("ix_issues_status_category")
        batch_op.drop_index(batch_op.f("ix_issues_segment_id"))
        batch_op.drop_index("ix_issues_reported_at")
        batch_op.drop_index(batch_op.f("ix_issues_fire_lane_id"))
        batch_op.drop_geospatial_index("idx_issues_geom_m", postgresql_using="gist", column_name="geom_m")
        batch_op.drop_geospatial_index("idx_issues_geom", postgresql_using="gist", column_name="geom")

    op.drop_geospatial_table("issues")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visits_visited_at"))
        batch_op.drop_index(batch_op.f("ix_visits_hall_id"))

    op.drop_table("visits")
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_members_team_id"))

    op.drop_table("team_members")
    with op.batch_alter_table("site_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_visits_team_id"))
        batch_op.drop_geospatial_index("idx_site_visits_geom", postgresql_using="gist", column_name="geom")

    op.drop_geospatial_table("site_visits")
    with op.batch_alter_table("fire_lane_status_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fire_lane_status_events_fire_lane_id"))
        batch_op.drop_index(batch_op.f("ix_fire_lane_status_events_at"))

    op.drop_table("fire_lane_status_events")
    op.drop_table("users")
    with op.batch_alter_table("team_segments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_segments_segment_id"))

    op.drop_table("team_segments")
    with op.batch_alter_table("fire_lanes", schema=None) as batch_op:
        batch_op.drop_geospatial_index("idx_fire_lanes_geom_m", postgresql_using="gist", column_name="geom_m")
        batch_op.drop_geospatial_index("idx_fire_lanes_geom", postgresql_using="gist", column_name="geom")

    op.drop_geospatial_table("fire_lanes")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_geospatial_index("idx_teams_drawn_area", postgresql_using="gist", column_name="drawn_area")

    op.drop_geospatial_table("teams")
    with op.batch_alter_table("street_segments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_segments_community_id"))
        batch_op.drop_geospatial_index("idx_street_segments_geom_m", postgresql_using="gist", column_name="geom_m")
        batch_op.drop_geospatial_index("idx_street_segments_geom", postgresql_using="gist", column_name="geom")

    op.drop_geospatial_table("street_segments")
    with op.batch_alter_table("reception_halls", schema=None) as batch_op:
        batch_op.drop_geospatial_index("idx_reception_halls_geom", postgresql_using="gist", column_name="geom")

    op.drop_geospatial_table("reception_halls")
    with op.batch_alter_table("compounds", schema=None) as batch_op:
        batch_op.drop_geospatial_index("idx_compounds_geom", postgresql_using="gist", column_name="geom")

    op.drop_geospatial_table("compounds")
    with op.batch_alter_table("water_areas", schema=None) as batch_op:
        batch_op.drop_geospatial_index("idx_water_areas_geom", postgresql_using="gist", column_name="geom")

    op.drop_geospatial_table("water_areas")
    op.drop_table("departments")
    op.drop_table("categories")
    op.drop_table("api_keys")
    with op.batch_alter_table("admin_areas", schema=None) as batch_op:
        batch_op.drop_geospatial_index("idx_admin_areas_geom", postgresql_using="gist", column_name="geom")

    op.drop_geospatial_table("admin_areas")


APPEND_ONLY = ("issue_events", "fire_lane_status_events")


def _append_only_triggers():
    """History is appended, never rewritten: refuse UPDATE, DELETE and TRUNCATE on event tables."""
    op.execute("""
        CREATE FUNCTION forbid_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
        END $$""")
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION forbid_rewrite()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION forbid_rewrite()"
        )
