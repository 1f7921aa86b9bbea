"""Input at the edge: odd values are a 400 naming the field (never a 500, never stored); CSV cells never
run as formulas; the Host header is not echoed; the database being away is a 503 with Retry-After."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text

from geo_app import create_app
from geo_app.domain.analysis.reports.formats import cell
from geo_app.extensions import db
from geo_app.testing import make_app
from tests import factories
from tests.workflow.helpers import counts, csrf_of, login, token

REFUSED = [
    ("/api/public/issues?end=9999-12-31", "end"),
    ("/api/public/issues?start=0001-01-01", "start"),
    ("/api/public/issues?start=2020-05-01&end=-1-01-01", "end"),
    ("/api/public/issues?limit=%C2%B2", "limit"),
    ("/api/public/issues?offset=" + "9" * 5000, "offset"),
    ("/api/public/issues?category=a%00b", "category"),
    ("/api/public/issues?bbox=%ff%fe", "bbox"),
    ("/tiles/public/14/13240/7100.pbf?end=9999-12-31", "end"),
]


@pytest.mark.parametrize(("url", "field"), REFUSED)
def test_odd_query_values_are_refused_naming_the_field(client, url, field):
    res = client.get(url)
    assert res.status_code == 400, (url, res.status_code)
    assert res.get_json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("query", "field"),
    [("start_date=9999-12-31T00:00:00Z", "start_date"), ("end_date=0001-01-01T00:00:00Z", "end_date")],
)
def test_open311_calendar_edges_are_refused_in_the_specs_format(client, query, field):
    res = client.get(f"/open311/v2/requests.json?{query}")
    assert res.status_code == 400
    assert field in res.get_json()[0]["description"]


def test_staff_api_calendar_edges_are_refused(client):
    res = client.get("/api/stats?start=2020-05-01&end=9999-12-31", headers=token(client, "admin"))
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "end"


def test_nul_in_a_path_is_refused(client):
    res = client.get("/api/public/issues/DT-2020%0000001")
    assert res.status_code in (400, 404)
    assert client.get("/p/a%00b").status_code in (400, 404)


def test_deep_json_is_refused_even_without_login(client):
    deep = "[" * 100_000 + "]" * 100_000
    res = client.post("/api/token", data=deep, content_type="application/json")
    assert res.status_code == 400
    assert res.get_json()["error"]["field"] == "body"


def test_a_400_digit_longitude_is_refused(client, session):
    before = counts(session)
    body = {"category": "noise", "description": "x", "lon": "1" * 400, "lat": 23.48, "channel": "phone"}
    res = client.post("/api/issues", json=body, headers=token(client, "clerk"))
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "lon"
    body["lon"] = float("1" * 300)
    assert client.post("/api/issues", json=body, headers=token(client, "clerk")).status_code == 400
    assert counts(session) == before


def test_huge_ids_are_refused_or_not_found(client):
    headers = token(client, "admin")
    assert client.get(f"/intake/visits/{2**70}").status_code in (302, 400, 404)
    res = client.post(
        "/api/issues/DT-2020-00001/actions",
        json={"action": "acknowledge", "version": 1, "dispatch_id": 2**70},
        headers=headers,
    )
    assert res.status_code in (400, 409, 422)


@pytest.mark.parametrize(
    ("due", "status"), [("-1-01-01", 400), ("1970-01-01T10:00:00+08:00", 400), ("9999-12-31", 400)]
)
def test_lenient_or_past_due_dates_are_refused(client, session, due, status):
    ref = factories.new_issue(session).ref
    version, was = session.execute(text("SELECT version, due_at FROM issues WHERE ref = :r"), {"r": ref}).one()
    res = client.post(
        f"/api/issues/{ref}/actions",
        json={"action": "set_due", "version": version, "due_at": due},
        headers=token(client, "admin"),
    )
    assert res.status_code == status, res.get_json()
    assert res.get_json()["error"]["field"] == "due_at"
    assert session.execute(text("SELECT due_at FROM issues WHERE ref = :r"), {"r": ref}).scalar_one() == was


def test_invalid_utf8_in_the_intake_form_is_refused_and_not_stored(client, session):
    login(client, "clerk")
    before = counts(session)
    csrf = csrf_of(client, "/intake")
    body = b"csrf_token=" + csrf.encode() + b"&hall=&people=2&summary=%ff%fe%fd&channel=reception_hall"
    res = client.post("/intake/visits", data=body, content_type="application/x-www-form-urlencoded")
    assert res.status_code == 400
    assert "summary" in res.get_data(as_text=True)
    assert counts(session) == before


def test_report_csv_cells_never_start_a_formula(client, session):
    session.execute(text("UPDATE teams SET name = '=HYPERLINK(\"http://evil.example\",\"x\")' WHERE code = 'T-YHNL'"))
    login(client, "admin")
    res = client.get("/reports?start=2020-05-01&end=2020-11-06&format=csv")
    assert res.status_code == 200
    cells = [c for row in csv.reader(io.StringIO(res.get_data(as_text=True))) for c in row]
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_cell_neutralises_formulas(value):
    assert cell(value) == "'" + value


def test_csv_cell_keeps_numbers_and_plain_text():
    assert cell(-3) == -3 and cell(2.5) == 2.5 and cell("银湖南路") == "银湖南路" and cell(None) == ""


def test_open311_discovery_does_not_echo_the_host_header(client):
    res = client.get("/open311/v2/discovery.json", headers={"Host": "evil.example"})
    assert res.status_code == 200
    assert "evil.example" not in res.get_data(as_text=True)


def test_open311_discovery_uses_the_configured_public_url(clone_db):
    # a clone, not the template itself: a connection left on the template stops every later clone of it
    app = make_app(clone_db(), PUBLIC_URL="https://jiezhang.example.cn")
    try:
        doc = app.test_client().get("/open311/v2/discovery.json", headers={"Host": "evil.example"}).get_json()
    finally:
        with app.app_context():
            db.engine.dispose()
    assert doc["endpoints"][0]["url"] == "https://jiezhang.example.cn/open311/v2"


@pytest.mark.parametrize("path", ["/healthz", "/api/public/issues", "/api/deployment", "/maps/public"])
def test_database_unavailable_is_a_503_with_retry_after(path):
    # nothing listens on port 9; built without reading a profile, as a server whose database went away
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/nowhere", "TESTING": True})
    res = app.test_client().get(path)
    assert res.status_code == 503
    assert res.headers["Retry-After"]
