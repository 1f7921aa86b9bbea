"""The analysis API and the report page as a client uses them (real tokens, real login with CSRF)."""

import json
import re

import pytest

from geo_app.domain.analysis.reports import report as reports
from geo_app.domain.analysis.reports.sheets import FIGURE_NAMES
from geo_app.domain.core.validation import parse_date
from tests.analysis.test_report_downloads import _tables

DEMO = "start=2020-05-01&end=2020-11-06"


def _token(client, username="planner"):
    return {
        "Authorization": "Bearer "
        + client.post("/api/token", json={"username": username, "password": "demo-password"}).get_json()["token"]
    }


def _login(client, username="planner"):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": "demo-password", "csrf_token": token})


def test_hotspots_api_both_methods(client):
    h = _token(client)
    clusters = client.get("/api/hotspots?method=dbscan&radius=150&min_size=5", headers=h)
    assert clusters.status_code == 200 and clusters.get_json()["features"]
    assert {"cluster_id", "count", "categories", "first", "last"} <= set(
        clusters.get_json()["features"][0]["properties"]
    )
    segs = client.get("/api/hotspots?method=gistar&category=cooking_fumes&confidence=95", headers=h).get_json()
    assert {f["properties"]["class"] for f in segs["features"]} <= {"hot_99", "hot_95", "cold_99", "cold_95", "none"}
    empty = client.get("/api/hotspots?method=dbscan&start=2019-01-01&end=2019-02-01", headers=h).get_json()
    assert empty["type"] == "FeatureCollection" and empty["features"] == [] and empty["parameters"]["derived"]
    assert clusters.get_json()["parameters"] == {"radius": 150.0, "min_size": 5, "derived": False}
    assert client.get("/api/hotspots?method=dbscan").status_code == 401


@pytest.mark.parametrize(
    "query,field",
    [
        ("method=kmeans", "method"),
        ("method=dbscan&radius=0", "radius"),
        ("method=dbscan&radius=abc", "radius"),
        ("method=dbscan&min_size=1", "min_size"),
        ("method=gistar&confidence=80", "confidence"),
        ("method=gistar&category=nope", "category"),
        ("method=dbscan&start=2020-06-01&end=2020-05-01", "end"),
        ("method=dbscan&start=2020-13-01", "start"),
    ],
)
def test_hotspots_api_bad_input(client, query, field):
    r = client.get(f"/api/hotspots?{query}", headers=_token(client))
    assert r.status_code == 400 and r.get_json()["error"]["field"] == field


def test_stats_equals_the_cli_report(client, runner, session):
    api = client.get(f"/api/stats?{DEMO}", headers=_token(client)).get_json()
    cli = json.loads(
        runner.invoke(args=["report", "--start", "2020-05-01", "--end", "2020-11-06", "--format", "json"]).output
    )
    assert api == cli
    assert (api["issues_collected"], api["solved_on_site"], api["solved_by_team"], api["fire_lanes_opened"]) == (
        265,
        89,
        151,
        5,
    )
    assert client.get(f"/api/stats?{DEMO}&area=NOWHERE", headers=_token(client)).get_json()["error"]["field"] == "area"
    assert client.get("/api/stats?start=2020-05-01", headers=_token(client)).get_json()["error"]["field"] == "end"


def test_coverage_and_fire_lane_api(client):
    h = _token(client)
    cov = client.get("/api/coverage", headers=h).get_json()
    assert {"teams", "uncovered", "overlaps"} <= set(cov) and len(cov["teams"]["features"]) == 6
    lanes = client.get("/api/fire-lanes?history=1", headers=h).get_json()["features"]
    fl01 = next(f["properties"] for f in lanes if f["properties"]["code"] == "FL-01")
    assert fl01["residents"] == 6500 and fl01["history"]
    assert client.get("/api/fire-lanes", headers=_token(client, "staff")).status_code == 200
    chief = _token(client, "chief")
    refused = client.post("/api/fire-lanes/FL-10/status", json={"status": "clear"}, headers=chief)
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "status"
    assert client.post("/api/fire-lanes/FL-10/status", json={"status": "clear"}, headers=h).status_code == 403
    assert client.post("/api/fire-lanes/FL-99/status", json={"status": "clear"}, headers=chief).status_code == 404
    bad = client.post("/api/fire-lanes/FL-10/status", json={"status": "gone"}, headers=chief)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "status"
    xss = client.post(
        "/api/fire-lanes/FL-05/status", json={"status": "blocked", "note": "<script>x</script>"}, headers=chief
    )
    assert xss.status_code == 400 and xss.get_json()["error"]["field"] == "note"


def test_report_page_and_downloads_give_the_same_figures(client, session):
    assert client.get(f"/reports?{DEMO}").status_code == 302
    _login(client)
    page = client.get(f"/reports?{DEMO}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for key, value in (
        ("issues_collected", 265),
        ("solved_on_site", 89),
        ("solved_by_team", 151),
        ("fire_lanes_opened", 5),
    ):
        assert re.search(rf'data-key="{key}"><span class="value">{value}<', body)
    # static files are named by their fingerprint (geo_app/web/static_assets.py)
    assert "街道工作报告" in body and re.search(r"/static/vendor/chartjs/chart\.umd\.[0-9a-f]{12}\.js", body)
    assert "http://" not in body and "https://" not in body
    expected = reports.figures(session, parse_date("2020-05-01", "start"), parse_date("2020-11-06", "end"))
    assert json.loads(client.get(f"/reports?{DEMO}&format=json").get_data(as_text=True)) == expected
    tables = _tables(client.get(f"/reports?{DEMO}&format=csv&lang=en").data.decode("utf-8-sig"))
    totals = {r[0]: r[1] for r in tables["Headline figures"][1:]}
    assert all(totals[FIGURE_NAMES[k]] == str(expected[k]) for k in reports.HEADLINE)
    names = reports.category_names(session, "en")
    by_cat = {r[0]: int(r[1]) for r in tables["By category"][1:]}
    assert all(by_cat[names[c["category"]]] == c["issues_collected"] for c in expected["by_category"])
    english = client.get(f"/reports?{DEMO}&lang=en").get_data(as_text=True)
    assert "District report" in english and "Solved on site" in english
    assert client.get(f"/reports?{DEMO}&area=NOWHERE").status_code == 400
    assert client.get(f"/reports?{DEMO}&format=xls").status_code == 400
    team = client.get(f"/reports?{DEMO}&area=team:T-YHNL&format=json").get_json()
    assert 0 < team["issues_collected"] < 265
