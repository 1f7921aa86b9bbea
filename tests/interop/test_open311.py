"""Open311 GeoReport v2, field by field against the spec, in JSON and XML (Flask test client)."""

from __future__ import annotations

import re
from datetime import datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

BASE = "/open311/v2"
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "agency_responsible",
    "service_notice",
    "description",
    "media_url",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "lat",
    "long",
}
DEMO_WINDOW = "start_date=2020-05-01T00:00:00%2B08:00&end_date=2020-07-29T00:00:00%2B08:00"


def xml_items(body: bytes, item: str) -> list[dict]:
    """Return the children of each `item` element as a dict of text."""
    root = ET.fromstring(body)
    return [{c.tag: (c.text or "") for c in el} for el in root.iter(item)]


def issue_count(session) -> int:
    return session.execute(text("SELECT count(*) FROM issues")).scalar()


def test_discovery_lists_the_v2_endpoint_in_both_formats(client):
    doc = client.get(f"{BASE}/discovery.json").get_json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(doc)
    endpoint = doc["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and {"text/xml", "application/json"} <= set(endpoint["formats"])
    root = ET.fromstring(client.get(f"{BASE}/discovery.xml").data)
    assert root.tag == "discovery"
    assert [f.text for f in root.iter("format")] == endpoint["formats"]


def test_services_are_our_categories(client, session):
    cats = dict(session.execute(text("SELECT code, name_zh FROM categories")).all())
    services = client.get(f"{BASE}/services.json").get_json()
    assert {s["service_code"] for s in services} == set(cats)
    for s in services:
        assert set(s) >= {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
        assert s["service_name"] == cats[s["service_code"]] and s["type"] == "realtime"
        assert s["metadata"] is (s["service_code"] in ("illegal_parking", "obstruction"))
    english = {s["service_code"]: s["service_name"] for s in client.get(f"{BASE}/services.json?lang=en").get_json()}
    assert english["cooking_fumes"] == "Cooking fumes"
    resp = client.get(f"{BASE}/services.xml")
    assert resp.mimetype == "text/xml"
    as_xml = xml_items(resp.data, "service")
    assert [x["service_code"] for x in as_xml] == [s["service_code"] for s in services]
    assert {x["metadata"] for x in as_xml} == {"true", "false"}


def test_service_definition_asks_for_the_plate_of_a_blocked_access(client):
    doc = client.get(f"{BASE}/services/illegal_parking.json").get_json()
    assert doc["service_code"] == "illegal_parking"
    (attr,) = doc["attributes"]
    assert {"variable", "code", "datatype", "required", "datatype_description", "order", "description"} <= set(attr)
    assert attr["code"] == "plate_number" and attr["datatype"] == "string" and attr["variable"] is True
    root = ET.fromstring(client.get(f"{BASE}/services/illegal_parking.xml").data)
    assert root.tag == "service_definition" and root.find("attributes/attribute/code").text == "plate_number"
    assert client.get(f"{BASE}/services/noise.json").get_json() == {"service_code": "noise", "attributes": []}


def test_request_by_id_matches_the_database_field_by_field(client, session):
    row = session.execute(
        text("""
        SELECT i.ref, i.category, i.status, i.reported_at, i.updated_at, i.due_at, s.street_name,
               ST_Distance(i.geom::geography, s.geom::geography) AS off_street,
               (SELECT string_agg(DISTINCT d.name_zh, '、') FROM dispatches x JOIN departments d
                 ON d.id = x.department_id WHERE x.issue_id = i.id) AS agencies
        FROM issues i JOIN street_segments s ON s.id = i.segment_id WHERE i.ref = 'DT-2020-00001'""")
    ).one()
    (req,) = client.get(f"{BASE}/requests/DT-2020-00001.json").get_json()
    assert set(req) == REQUEST_FIELDS
    assert req["service_request_id"] == "DT-2020-00001" and isinstance(req["service_request_id"], str)
    assert req["status"] == "closed" and row.status == "closed"
    assert req["service_code"] == row.category and req["agency_responsible"] == row.agencies
    tz = ZoneInfo("Asia/Shanghai")
    for field, value in (
        ("requested_datetime", row.reported_at),
        ("updated_datetime", row.updated_at),
        ("expected_datetime", row.due_at),
    ):
        assert W3C.match(req[field]), field
        assert datetime.fromisoformat(req[field]) == value.astimezone(tz)
    assert req["address"] == row.street_name
    on_street = session.execute(
        text("""SELECT ST_Distance(s.geom::geography,
        ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) FROM issues i JOIN street_segments s
        ON s.id = i.segment_id WHERE i.ref = 'DT-2020-00001'"""),
        {"lon": req["long"], "lat": req["lat"]},
    ).scalar()
    assert on_street < 0.2 < row.off_street  # generalised onto the street, not the resident's door
    (as_xml,) = xml_items(client.get(f"{BASE}/requests/DT-2020-00001.xml").data, "request")
    assert as_xml == {k: str(v) for k, v in req.items()}


def test_open_states_map_to_open_with_detail_in_notes(client, session):
    refs = dict(session.execute(text("SELECT status, min(ref) FROM issues GROUP BY status")).all())
    for state, ref in refs.items():
        (req,) = client.get(f"{BASE}/requests/{ref}.json?lang=en").get_json()
        expected = "open" if state in ("reported", "accepted", "dispatched", "in_progress") else "closed"
        assert req["status"] == expected and req["status_notes"], state
    assert {"reported", "in_progress", "closed"} <= set(refs)


def test_get_requests_filters_and_default_window(client, session):
    window = client.get(f"{BASE}/requests.json?{DEMO_WINDOW}").get_json()
    expected = session.execute(
        text("""SELECT count(*) FROM issues WHERE reported_at >= '2020-05-01T00:00:00+08:00'
        AND reported_at <= '2020-07-29T00:00:00+08:00' AND status NOT IN ('reported', 'rejected', 'duplicate')""")
    ).scalar()
    assert len(window) == expected > 0
    stamps = [r["requested_datetime"] for r in window]
    assert stamps == sorted(stamps, reverse=True)
    fumes = client.get(f"{BASE}/requests.json?{DEMO_WINDOW}&service_code=cooking_fumes,noise").get_json()
    assert fumes and {r["service_code"] for r in fumes} <= {"cooking_fumes", "noise"}
    assert len(fumes) == sum(r["service_code"] in ("cooking_fumes", "noise") for r in window)
    opened = client.get(
        f"{BASE}/requests.json?start_date=2020-09-01T00:00:00Z&end_date=2020-11-07T00:00:00Z&status=open"
    ).get_json()
    open_db = session.execute(
        text("""SELECT count(*) FROM issues WHERE status IN ('accepted',
        'dispatched','in_progress') AND reported_at BETWEEN '2020-09-01T00:00:00Z' AND '2020-11-07T00:00:00Z'""")
    ).scalar()
    assert len(opened) == open_db > 0 and {r["status"] for r in opened} == {"open"}
    by_id = client.get(f"{BASE}/requests.json?service_request_id=DT-2020-00002,DT-2020-00003&status=open").get_json()
    assert sorted(r["service_request_id"] for r in by_id) == ["DT-2020-00002", "DT-2020-00003"]
    # default: the last 90 days — the demo is from 2020, so nothing, until a request is posted now
    assert client.get(f"{BASE}/requests.json").get_json() == []
    # a request posted now is not listed until the street chief accepts it (unvetted), but its id finds it
    posted = client.post(f"{BASE}/requests.json", data=_form(session)).get_json()[0]["service_request_id"]
    assert client.get(f"{BASE}/requests.json").get_json() == []
    mine = client.get(f"{BASE}/requests.json?service_request_id={posted}").get_json()
    assert [r["service_request_id"] for r in mine] == [posted]


def test_nothing_personal_is_ever_returned(client, session):
    rows = session.execute(text("SELECT ref, reporter_name, reporter_phone, description, address FROM issues")).all()
    ids = ",".join(r.ref for r in rows)
    as_json = client.get(f"{BASE}/requests.json?service_request_id={ids}")
    as_xml = client.get(f"{BASE}/requests.xml?service_request_id={ids}")
    assert len(as_json.get_json()) == len(xml_items(as_xml.data, "request")) == len(rows)
    body = as_json.get_data(as_text=True) + as_xml.get_data(as_text=True)
    leaked = [
        (r.ref, v)
        for r in rows
        for v in (r.reporter_name, r.reporter_phone, r.description, r.address)
        if v and v in body
    ]
    assert leaked == []


def _form(session, **over) -> dict:
    lon, lat = session.execute(
        text("""SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(geom, 0.5) p
        FROM street_segments WHERE code = 'YHNL-03') q""")
    ).one()
    form = {
        "api_key": "demo-open311-key",
        "service_code": "illegal_parking",
        "lat": str(lat + 0.0001),
        "long": str(lon),
        "description": "车辆堵住消防通道",
        "first_name": "小明",
        "last_name": "王",
        "email": "wang@example.cn",
        "phone": "138-0000-9999",
        "attribute[plate_number]": "桂D12345",
    }
    form.update(over)
    return {k: v for k, v in form.items() if v is not None}


def test_post_goes_through_intake_and_keeps_the_reporter_staff_only(client, session):
    resp = client.post(f"{BASE}/requests.json", data=_form(session))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    (created,) = resp.get_json()
    ref = created["service_request_id"]
    row = session.execute(
        text("""SELECT i.channel, i.status, i.reporter_name, i.reporter_phone, i.reporter_email, i.description,
        s.code AS seg, i.team_id, (SELECT count(*) FROM issue_events e WHERE e.issue_id = i.id) AS events
        FROM issues i LEFT JOIN street_segments s ON s.id = i.segment_id WHERE i.ref = :r"""),
        {"r": ref},
    ).one()
    assert (row.channel, row.status, row.seg, row.events) == ("open311", "reported", "YHNL-03", 1)
    assert row.team_id is not None
    assert (row.reporter_name, row.reporter_phone, row.reporter_email) == ("王小明", "138-0000-9999", "wang@example.cn")
    assert "桂D12345" in row.description
    (back,) = client.get(f"{BASE}/requests/{ref}.json").get_json()
    assert back["status"] == "open" and back["service_code"] == "illegal_parking"
    text_back = client.get(f"{BASE}/requests/{ref}.xml").get_data(as_text=True)
    assert not any(p in text_back for p in ("小明", "wang@", "9999", "桂D12345", "消防通道"))
    assert client.get(f"{BASE}/tokens/{ref}.json").get_json() == [{"service_request_id": ref, "token": ref}]
    xml_created = client.post(
        f"{BASE}/requests.xml", data=_form(session, service_code="noise", **{"attribute[plate_number]": None})
    )
    assert ET.fromstring(xml_created.data).find("request/service_request_id").text.startswith("DT-")


def test_post_by_street_name_only(client, session):
    resp = client.post(
        f"{BASE}/requests.json", data=_form(session, lat=None, long=None, address_string="梧州市银湖南路12号门口")
    )
    ref = resp.get_json()[0]["service_request_id"]
    street = session.execute(
        text("""SELECT s.street_name FROM issues i JOIN street_segments s
        ON s.id = i.segment_id WHERE i.ref = :r"""),
        {"r": ref},
    ).scalar()
    assert street == "银湖南路"


@pytest.mark.parametrize(
    "over, status, word",
    [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "no_such_service"}, 400, "service_code"),
        ({"lat": None, "long": None}, 400, "lat"),
        ({"lat": None, "long": None, "address_string": "火星路 1 号"}, 400, "address_string"),
        ({"lat": "abc"}, 400, "lat"),
        ({"long": "200"}, 400, "long"),
        ({"lat": "nan"}, 400, "lat"),
        ({"lat": "0", "long": "0"}, 400, "0,0"),
        ({"lat": "111.2786", "long": "23.4755"}, 400, "swapped"),
        ({"api_key": "wrong-key"}, 403, "api_key"),
        ({"api_key": None}, 403, "api_key"),
        ({"description": "长" * 4001}, 400, "description"),
        ({"description": "<script>alert(1)</script>"}, 400, "description"),
        ({"email": "not-an-email"}, 400, "email"),
        ({"attribute[plate_number]": "<b>x</b>"}, 400, "plate_number"),
    ],
)
def test_bad_posts_get_the_spec_error_list_and_store_nothing(client, session, over, status, word):
    before = issue_count(session)
    for fmt in ("json", "xml"):
        resp = client.post(f"{BASE}/requests.{fmt}", data=_form(session, **over))
        assert resp.status_code == status, resp.get_data(as_text=True)
        if fmt == "json":
            (err,) = resp.get_json()
            assert err["code"] == status and word in err["description"]
        else:
            root = ET.fromstring(resp.data)
            assert root.tag == "errors" and root.find("error/code").text == str(status)
            assert word in root.find("error/description").text
    assert issue_count(session) == before


@pytest.mark.parametrize(
    "query, word",
    [
        ("start_date=yesterday", "start_date"),
        ("end_date=2020-13-45T00:00:00Z", "end_date"),
        ("start_date=2020-05-01T00:00:00Z&end_date=2020-11-01T00:00:00Z", "90 days"),
        ("start_date=2020-06-01T00:00:00Z&end_date=2020-05-01T00:00:00Z", "end_date"),
        ("status=pending", "status"),
    ],
)
def test_bad_queries_are_400_in_the_spec_format(client, query, word):
    resp = client.get(f"{BASE}/requests.json?{query}")
    assert resp.status_code == 400
    assert word in resp.get_json()[0]["description"]
    assert ET.fromstring(client.get(f"{BASE}/requests.xml?{query}").data).find("error/code").text == "400"


def test_unknown_things_are_404(client):
    for path in ("requests/DT-2020-99999.json", "tokens/nope.json", "services/nope.xml"):
        resp = client.get(f"{BASE}/{path}")
        assert resp.status_code == 404
        body = resp.get_json() if path.endswith(".json") else None
        assert body is None or body[0]["code"] == 404
