"""The deployment profile: set once in the database, read by every process, never contradicted by the
environment; the schema's metric CRS and the rollups' months follow it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from geo_app import profile as app_profile
from geo_app.domain.core import deployment
from geo_app.extensions import db

LA = ["--name", "Los Angeles Test", "--timezone", "America/Los_Angeles", "--ref-prefix", "LA"]
LA_CENTER = "-118.25,34.05"


def _init(app, *args):
    return app.test_cli_runner().invoke(args=["init-deployment", *args])


def _srids(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            text("SELECT f_table_name, srid FROM geometry_columns WHERE f_geometry_column = 'geom_m'")
        ).all()
        db.session.remove()
    return dict(rows)


def test_init_deployment_with_auto_crs_moves_the_schema_to_the_places_utm_zone(bare_app):
    result = _init(bare_app, *LA, "--metric-srid", "auto", "--center", LA_CENTER)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output.strip().splitlines()[-1])
    assert shown["metric_srid"] == 32611 and shown["timezone"] == "America/Los_Angeles"
    assert set(_srids(bare_app).values()) == {32611}  # every geom_m column, not only issues'
    with bare_app.app_context():
        length = db.session.execute(
            text("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'street_segments'::regclass")
        ).scalars()
        assert any("32611" in expr for expr in length)  # length_m follows the CRS too
        indexes = db.session.execute(text("SELECT indexdef FROM pg_indexes WHERE indexdef LIKE '%geom_m%'")).scalars()
        assert len(list(indexes)) >= 3  # the GiST indexes on geom_m are rebuilt
        db.session.remove()
    body = bare_app.test_client().get("/api/deployment").get_json()
    assert body["name"] == "Los Angeles Test" and body["ref_prefix"] == "LA" and body["metric_srid"] == 32611
    west, south, east, north = body["bbox"]
    assert west < -118.25 < east and south < 34.05 < north
    assert bare_app.test_client().get("/healthz").status_code == 200


def test_init_deployment_runs_once_and_refuses_bad_input(bare_app):
    assert _init(bare_app, *LA, "--timezone", "Mars/Olympus", "--metric-srid", "32611").exit_code == 2
    bad = _init(bare_app, *LA[:2], "--timezone", "Mars/Olympus", "--metric-srid", "32611")
    assert bad.exit_code == 2 and "time zone" in bad.output
    assert "metres" in _init(bare_app, *LA, "--metric-srid", "4326").output  # degrees are not metres
    assert bare_app.test_client().get("/healthz").status_code == 503  # nothing stored so far
    assert _init(bare_app, *LA, "--metric-srid", "32611").exit_code == 0
    again = _init(bare_app, *LA, "--metric-srid", "32611")
    assert again.exit_code == 2 and "once" in again.output


def test_crs_cannot_change_once_geometry_exists(bare_app):
    from geo_app.domain.core import crs
    from geo_app.domain.errors import Conflict

    with bare_app.app_context():
        db.session.execute(
            text(
                "INSERT INTO admin_areas (code, name, level, geom) VALUES ('A', 'a', 'district', "
                "ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(-118.25, 34.05), 4326), 0.01)))"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO street_segments (code, street_name, geom) VALUES ('S1', 'Main St', "
                "ST_GeomFromText('LINESTRING(-118.25 34.05, -118.24 34.05)', 4326))"
            )
        )
        with pytest.raises(Conflict, match="cannot change once geometry exists"):
            crs.move_schema(db.session, 32611)
        db.session.rollback()
        db.session.remove()


def test_environment_contradicting_the_database_refuses_to_start(bare_app, monkeypatch):
    assert _init(bare_app, *LA, "--metric-srid", "32611").exit_code == 0
    from geo_app import create_app

    fresh = create_app({"SQLALCHEMY_DATABASE_URI": bare_app.config["SQLALCHEMY_DATABASE_URI"], "TESTING": True})
    monkeypatch.setenv("TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("METRIC_SRID", "32611")  # agrees: not named in the message
    with pytest.raises(app_profile.ProfileError) as err:
        app_profile.require(fresh)
    message = err.value.message
    assert "TIMEZONE=Asia/Shanghai" in message and "America/Los_Angeles" in message and "METRIC_SRID" not in message
    result = fresh.test_cli_runner().invoke(args=["report", "--start", "2024-01-01", "--end", "2024-01-31"])
    assert result.exit_code != 0 and "refusing to start" in result.output
    monkeypatch.delenv("TIMEZONE")
    assert app_profile.require(fresh).timezone == "America/Los_Angeles"  # agreeing variables are fine
    with fresh.app_context():
        db.engine.dispose()


def test_a_server_without_a_profile_refuses_to_start(bare_app):
    with pytest.raises(app_profile.ProfileError, match="init-deployment"):
        app_profile.require(bare_app)


def test_a_second_process_without_any_variables_sees_the_profile(bare_db, bare_app):
    assert _init(bare_app, *LA, "--metric-srid", "auto", "--center", LA_CENTER).exit_code == 0
    env = {k: v for k, v in os.environ.items() if k not in ("METRIC_SRID", "TIMEZONE", "REF_PREFIX")}
    env["DATABASE_URL"] = bare_db[1]
    code = (
        "from geo_app import create_app, serve_app\n"
        "from geo_app.domain.core import deployment, localtime\n"
        "app = serve_app()\n"  # what `make run` serves
        "with app.app_context():\n"
        "    p = deployment.active()\n"
        "    print(p.timezone, p.metric_srid, p.ref_prefix, localtime.zone_name(), app.config['REF_PREFIX'])\n"
        "print(create_app().test_client().get('/api/deployment').get_json()['timezone'])\n"  # a request reads it
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "America/Los_Angeles",
        "32611",
        "LA",
        "America/Los_Angeles",
        "LA",
        "America/Los_Angeles",
    ]


def test_rollup_months_follow_the_deployments_zone(bare_app):
    """An issue at 05:00 UTC on 1 March is 29 February in Los Angeles: its rollup month is February."""
    assert _init(bare_app, *LA, "--metric-srid", "32611").exit_code == 0
    with bare_app.app_context():
        db.session.execute(
            text("""
            INSERT INTO issues (ref, category, description, geom, channel, reported_at, updated_at, status,
                                version, priority)
            VALUES ('LA-2024-00001', 'noise', 'late', ST_SetSRID(ST_MakePoint(-118.25, 34.05), 4326), 'web',
                    '2024-03-01T05:00:00Z', '2024-03-01T05:00:00Z', 'reported', 1, 3)""")
        )
        months = db.session.execute(text("SELECT month::text, n FROM report_cohorts WHERE n > 0")).all()
        db.session.rollback()
        db.session.remove()
    assert months == [("2024-02-01", 1)]


def test_without_a_profile_issues_are_refused_by_the_rollups(bare_app):
    with bare_app.app_context(), pytest.raises(Exception, match="no deployment profile"):
        db.session.execute(
            text("""
            INSERT INTO issues (ref, category, description, geom, channel, reported_at, updated_at, status,
                                version, priority)
            VALUES ('XX-2024-00001', 'noise', 'x', ST_SetSRID(ST_MakePoint(-118.25, 34.05), 4326), 'web',
                    now(), now(), 'reported', 1, 3)""")
        )
    with bare_app.app_context():
        db.session.rollback()
        db.session.remove()


def test_demo_profile_is_the_deployment_of_the_demo(client):
    body = client.get("/api/deployment").get_json()
    assert body["name"] == "大塘街道" and body["metric_srid"] == 32649 and body["ref_prefix"] == "DT"
    assert body["timezone"] == deployment.active().timezone
    page = client.get("/").get_data(as_text=True)
    assert "大塘街道" in page
    assert "Datang Subdistrict" in client.get("/?lang=en").get_data(as_text=True)


def test_auto_crs_without_a_centre_is_settled_by_the_first_streets(bare_app, tmp_path):
    from tests.deployment.test_los_angeles import _grid

    assert _init(bare_app, *LA, "--metric-srid", "auto").exit_code == 0  # no centre: the streets decide
    streets = tmp_path / "grid.geojson"
    _grid(streets)
    out = bare_app.test_cli_runner().invoke(args=["import-streets", str(streets)])
    assert out.exit_code == 0 and "EPSG:32611" in out.output, out.output
    assert set(_srids(bare_app).values()) == {32611}
    with bare_app.app_context():
        lengths = db.session.execute(text("SELECT min(length_m), max(length_m) FROM street_segments")).one()
        db.session.remove()
    assert 799.9 < lengths[0] <= lengths[1] < 800.1  # recomputed in the UTM zone, not in the default CRS
    assert bare_app.test_client().get("/api/deployment").get_json()["metric_srid"] == 32611
    again = bare_app.test_cli_runner().invoke(args=["import-streets", str(streets)])
    assert again.exit_code == 0 and "EPSG" not in again.output  # settled once


def test_the_demo_goes_only_into_a_database_without_a_deployment(bare_app):
    assert _init(bare_app, *LA, "--metric-srid", "32611").exit_code == 0
    runner = bare_app.test_cli_runner()
    skipped = runner.invoke(args=["load-demo", "--if-empty"])  # what `make run` does
    assert skipped.exit_code == 0 and "demo not loaded" in skipped.output
    refused = runner.invoke(args=["load-demo"])
    assert refused.exit_code == 2 and "not the demo" in refused.output
    with bare_app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM street_segments")).scalar() == 0
        db.session.remove()


def test_openapi_documents_the_deployment_and_the_dbscan_parameters(client):
    doc = client.get("/api/openapi.json").get_json()
    assert {"/api/deployment", "/healthz"} <= set(doc["paths"])
    names = {p["name"] for p in doc["paths"]["/api/hotspots"]["get"]["parameters"]}
    assert {"radius", "min_size"} <= names


@pytest.fixture()
def keeps_the_apps_profile(app):
    """The change is rolled back with the test's transaction; the app's remembered profile is put back too."""
    saved = app.extensions[app_profile.KEY]
    yield
    app_profile.remember(app, saved)


def test_an_admin_changes_what_may_change_and_nothing_else(client, session, keeps_the_apps_profile):
    from tests.workflow.helpers import token

    admin, clerk = token(client, "admin"), token(client, "clerk")
    assert client.patch("/api/deployment", json={"name_en": "Datang"}).status_code == 401
    assert client.patch("/api/deployment", headers=clerk, json={"name_en": "Datang"}).status_code == 403
    for body, field in (
        ({"timezone": "Europe/Paris"}, "timezone"),
        ({"metric_srid": 3857}, "metric_srid"),
        ({"ref_prefix": "d-t"}, "ref_prefix"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
    ):
        res = client.patch("/api/deployment", headers=admin, json=body)
        assert res.status_code == 400 and res.get_json()["error"]["field"] == field, (body, res.get_json())
    res = client.patch("/api/deployment", headers=admin, json={"name_en": "Datang Street", "ref_prefix": "dtx"})
    assert res.status_code == 200 and res.get_json()["ref_prefix"] == "DTX"
    assert client.get("/api/deployment").get_json()["name_en"] == "Datang Street"
    assert "Datang Street" in client.get("/?lang=en").get_data(as_text=True)  # the header follows
    assert client.get("/api/deployment").get_json()["timezone"] == deployment.active().timezone
