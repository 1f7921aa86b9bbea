"""Bad input on every way in: a clear error naming the field, and nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests import factories
from tests.workflow.helpers import counts, csrf_of, login, token


@pytest.fixture()
def good(session):
    lon, lat = factories.point_on(session)
    return {"category": "noise", "description": "夜间施工噪声", "lon": lon, "lat": lat, "channel": "phone"}


ISSUE_CASES = [
    ("missing category", {"category": None}, "category"),
    ("unknown category", {"category": "ufo_sighting"}, "category"),
    ("category wrong type", {"category": 7}, "category"),
    ("missing description", {"description": None}, "description"),
    ("description too long", {"description": "长" * 4001}, "description"),
    ("script in description", {"description": "<script>alert(1)</script>"}, "description"),
    ("html in address", {"address": "<img src=x onerror=alert(1)>"}, "address"),
    ("name too long", {"reporter_name": "名" * 81}, "reporter_name"),
    ("phone with letters", {"reporter_phone": "call me maybe"}, "reporter_phone"),
    ("lon missing", {"lon": None}, "lon"),
    ("lon as text", {"lon": "111.28"}, "lon"),
    ("lat as bool", {"lat": True}, "lat"),
    ("lon out of range", {"lon": 200.0}, "lon"),
    ("lat out of range", {"lat": -91.0}, "lat"),
    ("outside the service area", {"lon": 116.39, "lat": 39.9}, "lon"),
    ("unknown channel", {"channel": "pigeon"}, "channel"),
    ("unknown visit", {"visit_id": 999999}, "visit_id"),
    ("visit as text", {"visit_id": "V-0001"}, "visit_id"),
]


@pytest.mark.parametrize("name,change,field", ISSUE_CASES, ids=[c[0] for c in ISSUE_CASES])
def test_api_intake_refuses(client, session, good, name, change, field):
    headers = token(client, "clerk")
    before = counts(session)
    res = client.post("/api/issues", headers=headers, json={**good, **change})
    assert res.status_code == 400, res.get_json()
    assert res.get_json()["error"]["field"] == field
    assert counts(session) == before


def test_api_intake_refuses_nan_and_non_objects(client, session, good):
    headers = {**token(client, "clerk"), "Content-Type": "application/json"}
    before = counts(session)
    body = '{"category": "noise", "description": "x", "lon": NaN, "lat": 23.48}'
    res = client.post("/api/issues", headers=headers, data=body)
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "lon"
    for raw in ("[1, 2]", "not json", '"text"'):
        res = client.post("/api/issues", headers=headers, data=raw)
        assert res.status_code == 400 and res.get_json()["error"]["field"] == "body"
    assert counts(session) == before


ACTION_CASES = [
    ("no version", "reported", {"action": "accept"}, 400, "version"),
    ("version as text", "reported", {"action": "accept", "version": "one"}, 400, "version"),
    ("unknown action", "reported", {"action": "teleport", "version": 1}, 400, "action"),
    ("reject without reason", "reported", {"action": "reject", "version": 1}, 400, "reason"),
    (
        "reject with script",
        "reported",
        {"action": "reject", "version": 1, "reason": "<script>x</script>"},
        400,
        "reason",
    ),
    ("merge into unknown", "reported", {"action": "merge", "version": 1, "into": "DT-1999-99999"}, 400, "into"),
    (
        "due date not a date",
        "reported",
        {"action": "set_due", "version": 1, "due_at": "next tuesday-ish"},
        400,
        "due_at",
    ),
    ("whistle to nobody", "accepted", {"action": "dispatch", "version": 2, "departments": []}, 400, "departments"),
    (
        "whistle to unknown",
        "accepted",
        {"action": "dispatch", "version": 2, "departments": ["ghostbusters"]},
        400,
        "departments",
    ),
    (
        "departments not a list",
        "accepted",
        {"action": "dispatch", "version": 2, "departments": "police"},
        400,
        "departments",
    ),
    ("bad resolution", "accepted", {"action": "resolve", "version": 2, "resolution": "magic"}, 400, "resolution"),
    ("stale version", "accepted", {"action": "start", "version": 1}, 409, "version"),
    ("illegal move", "reported", {"action": "close", "version": 1}, 422, "action"),
]


@pytest.mark.parametrize("name,state,body,status,field", ACTION_CASES, ids=[c[0] for c in ACTION_CASES])
def test_api_actions_refuse(client, session, name, state, body, status, field):
    issue = factories.new_issue(session, category="noise", when="2021-03-01")
    if state == "accepted":
        factories.act(session, issue, "accept", "chief", "2021-03-02")
    session.commit()
    before = counts(session)
    res = client.post(f"/api/issues/{issue.ref}/actions", headers=token(client, "chief"), json=body)
    assert res.status_code == status, res.get_json()
    error = res.get_json()["error"]
    assert error["field"] == field
    if status == 422:
        assert error["status"] == "reported" and "accept" in error["allowed"]
    assert counts(session) == before
    row = session.execute(text("SELECT status, version FROM issues WHERE ref = :r"), {"r": issue.ref}).one()
    assert tuple(row) == (state, 1 if state == "reported" else 2)


@pytest.mark.parametrize(
    "query,field",
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=5,5,1,1", "bbox"),
        ("status=lost", "status"),
        ("category=ufo", "category"),
        ("team=T-NONE", "team"),
        ("segment=XX-99", "segment"),
        ("start=2020-13-01", "start"),
        ("start=2020-06-01&end=2020-05-01", "end"),
        ("per_page=100000", "per_page"),
        ("page=0", "page"),
    ],
)
def test_api_list_filters_refuse(client, query, field):
    res = client.get(f"/api/issues?{query}", headers=token(client, "planner"))
    assert res.status_code == 400 and res.get_json()["error"]["field"] == field


def test_segments_need_a_bbox(client):
    res = client.get("/api/segments", headers=token(client, "planner"))
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "bbox"


PAGE_CASES = [
    ("/intake", "/intake/visits", {"people": "0"}, "people"),
    ("/intake", "/intake/visits", {"people": "many"}, "people"),
    ("/intake", "/intake/visits", {"people": "2", "topics": "<script>alert(1)</script>"}, "topics"),
    ("/intake", "/intake/visits", {"people": "2", "visited_at": "2999-01-01T10:00"}, "visited_at"),
    ("/intake", "/intake/visits", {"people": "2", "hall": "XA-HALL"}, "hall"),
]


@pytest.mark.parametrize("page,url,data,field", PAGE_CASES, ids=[f"{c[3]}-{i}" for i, c in enumerate(PAGE_CASES)])
def test_visit_form_refuses(client, session, page, url, data, field):
    login(client, "clerk")
    before = counts(session)
    res = client.post(url, data={**data, "csrf_token": csrf_of(client, page)})
    assert res.status_code in (400, 403)
    assert f'data-field="{field}"' in res.get_data(as_text=True)
    assert counts(session) == before


@pytest.mark.parametrize(
    "data,field",
    [
        ({"category": "noise", "description": "x"}, "lon"),
        ({"category": "noise", "description": "x", "lon": "abc", "lat": "23.47"}, "lon"),
        ({"category": "noise", "description": "x", "lon": "nan", "lat": "23.47"}, "lon"),
        ({"category": "noise", "description": "x", "segment": "NOPE-01"}, "segment"),
        ({"category": "", "description": "x", "segment": "YHNL-02"}, "category"),
        ({"category": "noise", "description": "<b>bold</b>", "segment": "YHNL-02"}, "description"),
    ],
)
def test_issue_form_refuses(client, session, data, field):
    login(client, "clerk")
    visit = session.execute(
        text(
            "SELECT v.id FROM visits v JOIN users u ON u.hall_id = v.hall_id "
            "WHERE u.username = 'clerk' ORDER BY v.id LIMIT 1"
        )
    ).scalar_one()
    before = counts(session)
    res = client.post(
        f"/intake/visits/{visit}/issues", data={**data, "csrf_token": csrf_of(client, f"/intake/visits/{visit}")}
    )
    assert res.status_code == 400
    assert f'data-field="{field}"' in res.get_data(as_text=True)
    assert counts(session) == before


def test_site_visit_is_all_or_nothing(client, session):
    mine = factories.new_issue(session, category="noise", when="2021-03-01")
    theirs = factories.new_issue(session, category="noise", when="2021-03-01", street="兴安路")
    session.commit()
    login(client, "chief")
    before = counts(session)
    res = client.post(
        "/site-visits",
        data={
            "place": "银湖南路口",
            "issues": [f"{mine.ref}:1", f"{theirs.ref}:1"],
            "csrf_token": csrf_of(client, "/site-visits"),
        },
    )
    assert res.status_code == 403
    assert counts(session) == before
    res = client.post(
        "/site-visits", data={"place": "", "issues": [f"{mine.ref}:1"], "csrf_token": csrf_of(client, "/site-visits")}
    )
    assert res.status_code == 400 and 'data-field="place"' in res.get_data(as_text=True)
    assert counts(session) == before


def test_stored_text_is_shown_escaped(client, session, good):
    text_with_marks = '噪声<60 & "夜里" > 22点'
    res = client.post(
        "/api/issues",
        headers=token(client, "clerk"),
        json={**good, "description": text_with_marks, "address": "5 > 4 & 3"},
    )
    assert res.status_code == 201
    login(client, "clerk")
    page = client.get(f"/issues/{res.get_json()['ref']}").get_data(as_text=True)
    assert "噪声&lt;60 &amp; &#34;夜里&#34; &gt; 22点" in page and text_with_marks not in page


def test_nul_bytes_are_refused_not_crashing(client, session):
    headers = token(client, "chief")
    for query, field in (("category=%00x", "category"), ("team=T%00", "team"), ("segment=\u0000", "segment")):
        res = client.get(f"/api/issues?{query}", headers=headers)
        assert res.status_code == 400 and res.get_json()["error"]["field"] == field
    issue = factories.new_issue(session, category="noise", when="2021-03-01")
    session.commit()
    before = counts(session)
    res = client.post(
        f"/api/issues/{issue.ref}/actions", headers=headers, json={"action": "merge", "version": 1, "into": "DT\u0000"}
    )
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "into"
    res = client.post(
        "/api/issues",
        headers=token(client, "clerk"),
        json={"category": "noise\u0000", "description": "x", "lon": 111.28, "lat": 23.48},
    )
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "category"
    assert counts(session) == before
