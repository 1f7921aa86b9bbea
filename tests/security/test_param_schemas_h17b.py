"""The staff workflow routes' declarations (issue API, intake, issue page, work lists, site visits, photos):
a value beyond its declared type or bound is a 400 naming the field, answered by the declaration (pydantic's
words in `detail`), before the view, and nothing is stored; the login still comes first."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import text

from tests import factories
from tests.workflow.helpers import count, counts, csrf_of, login, token

JSON = {"Accept": "application/json"}
MANY = [f"D{i}" for i in range(101)]  # one more code than any form may tick


def _refused_by_declaration(res, field: str) -> None:
    assert res.status_code == 400, (res.status_code, res.get_data(as_text=True)[:300])
    error = res.get_json()["error"]
    assert error["field"] == field, error
    assert error.get("detail"), error  # pydantic's own words: the declaration answered, not the domain


@pytest.fixture()
def issue(session):
    found = factories.new_issue(session, category="noise", when="2021-03-01")
    session.commit()  # a refused request rolls back: the issue must outlive it
    return found


@pytest.fixture()
def visit_id(session):
    return session.execute(
        text("SELECT v.id FROM visits v JOIN users u ON u.hall_id = v.hall_id WHERE u.username = 'clerk' LIMIT 1")
    ).scalar_one()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 40)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"visit_id": 10**30}, "visit_id"),  # would reach the database as a bigint otherwise
        ({"lon": "1" * 41}, "lon"),
        ({"channel": "x" * 61}, "channel"),
        ({"confirm_unlinked": 2}, "confirm_unlinked"),
        ({"reporter_email": "a" * 250 + "@x.cn"}, "reporter_email"),
    ],
)
def test_api_intake_declaration_refuses_and_stores_nothing(client, session, change, field):
    lon, lat = factories.point_on(session)
    body = {"category": "noise", "description": "夜间施工噪声", "lon": lon, "lat": lat, **change}
    before = counts(session)
    _refused_by_declaration(client.post("/api/issues", headers=token(client, "clerk"), json=body), field)
    assert counts(session) == before


def test_api_intake_still_takes_what_clients_send(client, session):
    """Numbers stay numbers, a boolean flag stays a flag: the strict unions refuse nothing legitimate."""
    lon, lat = factories.point_on(session)
    body = {"category": "noise", "description": "x", "lon": lon, "lat": lat, "confirm_unlinked": True}
    res = client.post("/api/issues", headers=token(client, "clerk"), json=body)
    assert res.status_code == 201, res.get_json()
    version = res.get_json()["version"]
    res = client.post(
        f"/api/issues/{res.get_json()['ref']}/actions",
        headers=token(client, "chief"),
        json={"action": "accept", "version": version, "note": None},
    )
    assert res.status_code == 200, res.get_json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "accept", "version": 10**30}, "version"),
        ({"action": "accept", "version": 1.5}, "version"),
        ({"action": "dispatch", "version": 1, "departments": MANY}, "departments"),
        ({"action": "dispatch", "version": 1, "departments": "police"}, "departments"),
        ({"action": "merge", "version": 1, "into": "DT" + "9" * 40}, "into"),
        ({"action": "verify", "version": 1, "passed": "x" * 41}, "passed"),
        ({"action": "x" * 61, "version": 1}, "action"),
    ],
)
def test_api_action_declaration_refuses_and_changes_nothing(client, session, issue, body, field):
    before = counts(session)
    res = client.post(f"/api/issues/{issue.ref}/actions", headers=token(client, "chief"), json=body)
    _refused_by_declaration(res, field)
    assert counts(session) == before
    assert session.execute(text("SELECT version FROM issues WHERE ref = :r"), {"r": issue.ref}).scalar() == 1


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/issues?cursor=" + "A" * 401, "cursor"),
        ("/api/issues?team=" + "T" * 61, "team"),
        ("/api/issues?page=" + "9" * 41, "page"),
        ("/api/segments?bbox=" + "1," * 101, "bbox"),
    ],
)
def test_api_queries_are_bounded(client, url, field):
    _refused_by_declaration(client.get(url, headers=token(client, "planner")), field)


def test_api_photo_form_is_declared(client, session, issue, app, tmp_path):
    saved, app.config["PHOTO_DIR"] = app.config["PHOTO_DIR"], tmp_path
    try:
        before = count(session, "photos")
        res = client.post(
            f"/api/issues/{issue.ref}/photos",
            data={"file": (io.BytesIO(_jpeg()), "p.jpg"), "stage": "s" * 61},
            headers=token(client, "chief"),
            content_type="multipart/form-data",
        )
        _refused_by_declaration(res, "stage")
        assert count(session, "photos") == before and not any(tmp_path.rglob("*.jpg"))
    finally:
        app.config["PHOTO_DIR"] = saved


def test_intake_forms_are_declared(client, session, visit_id):
    login(client, "clerk")
    before = counts(session)
    res = client.post(
        "/intake/visits", data={"people": "9" * 41, "csrf_token": csrf_of(client, "/intake")}, headers=JSON
    )
    _refused_by_declaration(res, "people")
    res = client.post(
        f"/intake/visits/{visit_id}/issues",
        data={"category": "noise", "description": "x", "segment": "S" * 61, "csrf_token": csrf_of(client, "/intake")},
        headers=JSON,
    )
    _refused_by_declaration(res, "segment")
    assert counts(session) == before


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/intake/snap.json?lat=23.4&lon=" + "1" * 41, "lon"),
        ("/intake/nearby.json?lon=111.3&lat=23.4&category=" + "c," * 201, "category"),
        ("/intake/segments.json?bbox=" + "1," * 101, "bbox"),
    ],
)
def test_intake_queries_are_bounded(client, url, field):
    login(client, "clerk")
    _refused_by_declaration(client.get(url, headers=JSON), field)


@pytest.mark.parametrize(
    ("user", "url", "field"),
    [
        ("chief", "/work?per_page=" + "1" * 41, "per_page"),
        ("chief", "/work?overdue=" + "y" * 11, "overdue"),
        ("planner", "/escalation?cursor=" + "A" * 401, "cursor"),
        ("secretary", "/review?page=" + "1" * 41, "page"),
        ("staff", "/dispatches?done=" + "1" * 11, "done"),
    ],
)
def test_work_lists_are_bounded(client, user, url, field):
    login(client, user)
    _refused_by_declaration(client.get(url, headers=JSON), field)


def test_issue_page_action_form_is_declared(client, session, issue):
    login(client, "chief")
    page = f"/issues/{issue.ref}"
    before = counts(session)
    res = client.post(
        f"{page}/actions",
        data={"action": "accept", "version": "1", "departments": MANY, "csrf_token": csrf_of(client, page)},
        headers=JSON,
    )
    _refused_by_declaration(res, "departments")
    res = client.post(
        f"{page}/actions?next=/" + "x" * 2001,
        data={"action": "accept", "version": "1", "csrf_token": csrf_of(client, page)},
        headers=JSON,
    )
    _refused_by_declaration(res, "next")
    assert (
        counts(session) == before
        and session.execute(text("SELECT status FROM issues WHERE ref = :r"), {"r": issue.ref}).scalar() == "reported"
    )


def test_site_visit_form_is_declared(client, session, issue):
    login(client, "chief")
    before = counts(session)
    res = client.post(
        "/site-visits",
        data={"place": "银湖南路口", "issues": [f"{issue.ref}:1"] * 101, "csrf_token": csrf_of(client, "/site-visits")},
        headers=JSON,
    )
    _refused_by_declaration(res, "issues")
    assert counts(session) == before


def test_the_login_comes_before_the_declaration(client):
    """An anonymous request with a bad value learns that it must log in, not what the route reads."""
    assert client.post("/api/issues", json={"visit_id": 10**30}).status_code == 401
    res = client.get("/work?per_page=" + "1" * 41)
    assert res.status_code == 302 and "/login" in res.headers["Location"]
