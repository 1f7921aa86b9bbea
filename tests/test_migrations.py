"""Migrations build the whole schema on an empty database and take it all down again."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from geo_app.extensions import db
from geo_app.testing import RUN, create_database, drop_database, make_app

TABLES = {
    "admin_areas",
    "import_batches",
    "import_batch_updates",
    "street_segments",
    "reception_halls",
    "compounds",
    "water_areas",
    "fire_lanes",
    "fire_lane_status_events",
    "categories",
    "departments",
    "teams",
    "team_members",
    "team_segments",
    "users",
    "api_keys",
    "login_throttle",
    "search_names",
    "bearer_tokens",
    "visits",
    "site_visits",
    "site_visit_issues",
    "issues",
    "issue_events",
    "dispatches",
    "photos",
    "issue_cells",
    "public_cells",
    "issue_segment_counts",
    "report_cohorts",
    "report_segment_years",
    "report_resolve_hist",
    "heat_month_cells",
    "public_month_cells",
    "deployment",
    "channels",
    "category_departments",
    "org_audit",
}


@pytest.fixture()
def empty_db():
    name = f"geo_app_test_migrations_{RUN}"
    url = create_database(name)
    app = make_app(url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_database(name)


def _tables(app):
    with app.app_context():
        names = set(inspect(db.engine).get_table_names()) - {"spatial_ref_sys", "alembic_version"}
        db.engine.dispose()
        return names


def test_upgrade_then_downgrade_then_upgrade(empty_db):
    with empty_db.app_context():
        upgrade()
    assert _tables(empty_db) == TABLES
    with empty_db.app_context():
        geometry_columns = {
            (r.tbl, r.col): (r.type, r.srid)
            for r in db.session.execute(
                text("SELECT f_table_name tbl, f_geometry_column col, type, srid FROM geometry_columns")
            )
        }
        gist = set(
            db.session.execute(
                text("SELECT tablename || '.' || indexdef FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'")
            ).scalars()
        )
        categories = db.session.execute(text("SELECT count(*) FROM categories")).scalar()
        db.session.remove()
        downgrade(revision="base")
    assert geometry_columns[("issues", "geom")] == ("POINT", 4326)
    assert geometry_columns[("issues", "geom_m")] == ("POINT", 32649)
    assert geometry_columns[("street_segments", "geom")] == ("LINESTRING", 4326)
    assert geometry_columns[("admin_areas", "geom")] == ("MULTIPOLYGON", 4326)
    for table in ("issues", "street_segments", "fire_lanes", "admin_areas", "reception_halls", "compounds"):
        assert any(g.startswith(f"{table}.") and "(geom)" in g for g in gist), table
    assert any(g.startswith("street_segments.") and "(geom_m)" in g for g in gist)
    assert categories >= 6
    assert _tables(empty_db) == set()
    with empty_db.app_context():
        upgrade()
    assert _tables(empty_db) == TABLES
