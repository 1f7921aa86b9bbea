"""Issue lists for QGIS: GeoPackage and GeoJSON read back with geopandas, scoped to the caller, personal data
only for the roles that read it and only when asked."""

import io
import json

import geopandas as gpd
import pyogrio
from sqlalchemy import text

from tests.workflow.helpers import login

DEMO = "start=2020-05-01&end=2020-11-06"


def _demo_with_reporters(session):
    session.execute(
        text("UPDATE issues SET reporter_name = '张三', reporter_phone = '13800000000' WHERE ref LIKE 'DT-2020-%'")
    )


def test_a_planner_exports_geopackage_and_geojson_that_qgis_reads(client, session, tmp_path):
    _demo_with_reporters(session)
    login(client, "planner")
    res = client.get(f"/exports/issues.gpkg?{DEMO}&category=cooking_fumes")
    assert res.status_code == 200 and res.headers["Content-Type"] == "application/geopackage+sqlite3"
    path = tmp_path / "issues.gpkg"
    path.write_bytes(res.data)
    assert [name for name, _ in pyogrio.list_layers(path)] == ["issues"]
    frame = gpd.read_file(path, layer="issues")
    expected = session.execute(
        text("SELECT count(*) FROM issues WHERE category = 'cooking_fumes' AND ref LIKE 'DT-2020-%'")
    ).scalar()
    assert len(frame) == expected > 0 and frame.crs.to_epsg() == 4326
    assert set(frame["category"]) == {"cooking_fumes"} and set(frame.geom_type) == {"Point"}
    assert "reporter_name" not in frame.columns and "description" not in frame.columns  # not asked for
    assert frame["reported_at"].str.endswith("+08:00").all()  # local time with its offset
    geo = client.get(f"/exports/issues.geojson?{DEMO}&category=cooking_fumes")
    assert geo.headers["Content-Type"] == "application/geo+json"
    collection = json.loads(geo.data)
    assert len(collection["features"]) == expected
    assert gpd.read_file(io.BytesIO(geo.data)).shape[0] == expected
    personal = client.get(f"/exports/issues.geojson?{DEMO}&category=cooking_fumes&personal=1")
    props = json.loads(personal.data)["features"][0]["properties"]
    assert props["reporter_name"] == "张三" and "description" in props


def test_a_chief_exports_only_the_team_and_never_personal_data(client, session):
    _demo_with_reporters(session)
    login(client, "chief")
    res = client.get(f"/exports/issues.geojson?{DEMO}")
    assert res.status_code == 200
    features = json.loads(res.data)["features"]
    teams = {f["properties"]["team"] for f in features}
    assert features and teams <= {"T-YHNL", None}
    assert "张三" not in res.data.decode("utf-8") and "13800000000" not in res.data.decode("utf-8")
    refused = client.get(f"/exports/issues.gpkg?{DEMO}&personal=1")
    assert refused.status_code == 403
    assert client.get("/exports/issues.geojson?start=2020-11-06&end=2020-05-01").status_code == 400


def test_department_staff_export_only_what_was_dispatched_to_them(client, session):
    _demo_with_reporters(session)
    login(client, "staff")
    features = json.loads(client.get(f"/exports/issues.geojson?{DEMO}").data)["features"]
    dispatched = session.execute(
        text("""SELECT count(DISTINCT d.issue_id) FROM dispatches d JOIN departments dep ON dep.id = d.department_id
                JOIN issues i ON i.id = d.issue_id
                WHERE dep.code = 'market_reg' AND i.ref LIKE 'DT-2020-%'""")
    ).scalar()
    assert len(features) <= dispatched
    assert "13800000000" not in json.dumps(features, ensure_ascii=False)
