"""The staff routes of the admin area, the organisation and analysis APIs, the account pages, the reports,
exports and staff maps check their declared parameters (geo_app.web.params): a bad value is a 400 naming
the field, before anything is stored; what clients legitimately send still passes."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.workflow.helpers import PASSWORD, count, csrf_of, login, token

JSON = {"Accept": "application/json"}


def _field(res) -> str:
    """Return the field a 400 names; refused by the declaration, not later (pydantic's words in `detail`)."""
    assert res.status_code == 400, (res.status_code, res.get_data(as_text=True)[:300])
    error = res.get_json()["error"]
    assert error.get("detail"), error
    return error["field"]


@pytest.mark.parametrize(
    ("role", "url", "field"),
    [
        ("admin", "/admin/categories?active=maybe", "active"),
        ("admin", "/admin/audit?kind=" + "k" * 61, "kind"),
        ("staff", "/account/password?next=/" + "n" * 2000, "next"),
        ("chief", "/maps/chief?team=" + "T" * 61, "team"),
        ("chief", "/maps/fire-lanes?lane_status=" + "b" * 61, "lane_status"),
        ("planner", "/maps/hotspots?radius=nan", "radius"),
        ("planner", "/maps/hotspots?min_size=" + str(2**40), "min_size"),
        ("planner", "/reports?format=" + "x" * 11, "format"),
        ("planner", "/reports?start=" + "2" * 41, "start"),
        ("planner", "/exports/issues.geojson?cursor=" + "c" * 401, "cursor"),
        ("planner", "/exports/issues.gpkg?page=" + "9" * 41, "page"),
    ],
)
def test_a_bad_value_on_a_staff_page_is_a_400_naming_it(client, role, url, field):
    login(client, role)
    assert _field(client.get(url, headers=JSON)) == field


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/categories?active=maybe", "active"),
        ("/api/hotspots?method=kmeans", "method"),
        ("/api/hotspots?method=dbscan&radius=1e309", "radius"),
        ("/api/hotspots?confidence=" + str(2**70), "confidence"),
        ("/api/stats?start=2020-05-01&end=" + "9" * 41, "end"),
        ("/api/fire-lanes?history=" + "1" * 11, "history"),
    ],
)
def test_a_bad_value_in_a_staff_api_query_is_a_400_naming_it(client, url, field):
    assert _field(client.get(url, headers=token(client, "admin"))) == field


def test_the_admin_forms_refuse_an_unbounded_value_and_store_nothing(client, session):
    login(client, "admin")
    new = "/admin/categories/new"
    before = count(session, "categories")
    res = client.post(
        new,
        data={"code": "c" * 61, "name_zh": "涂鸦", "sla_days": "4", "csrf_token": csrf_of(client, new)},
        headers=JSON,
    )
    assert _field(res) == "code" and count(session, "categories") == before

    edit = "/admin/categories/noise"
    keywords = session.execute(text("SELECT keywords FROM categories WHERE code = 'noise'")).scalar()
    res = client.post(edit, data={"keywords": "吵" * 4001, "csrf_token": csrf_of(client, edit)}, headers=JSON)
    assert _field(res) == "keywords"
    assert session.execute(text("SELECT keywords FROM categories WHERE code = 'noise'")).scalar() == keywords

    res = client.post(edit + "/active", data={"active": "f" * 11, "csrf_token": csrf_of(client, edit)}, headers=JSON)
    assert _field(res) == "active"
    assert session.execute(text("SELECT active FROM categories WHERE code = 'noise'")).scalar() is True


def test_the_organisation_api_refuses_a_mistyped_body_and_stores_nothing(client, session):
    auth = token(client, "admin")
    before = count(session, "categories")
    res = client.post("/api/categories", json={"code": "c1", "name_zh": "一", "sla_days": 2**70}, headers=auth)
    assert _field(res) == "sla_days" and count(session, "categories") == before
    res = client.post("/api/categories", json={"code": "c1", "name_zh": "一", "departments": [1, 2]}, headers=auth)
    assert _field(res) == "departments" and count(session, "categories") == before
    team = client.get("/api/teams/T-YHNL", headers=auth).get_json()
    res = client.patch("/api/teams/T-YHNL", json={"members": [1]}, headers=auth)
    assert _field(res) == "members"
    res = client.patch("/api/teams/T-YHNL", json={"segments": ["s" * 61]}, headers=auth)
    assert _field(res) == "segments"
    assert client.get("/api/teams/T-YHNL", headers=auth).get_json() == team


def test_the_organisation_api_still_takes_typed_values_or_the_same_as_text(client, session):
    auth = token(client, "admin")
    names = {"name_zh": "一", "name_en": "One"}
    typed = {"code": "c1", **names, "sla_days": 3, "blocks_access": True, "departments": ["police"]}
    res = client.post("/api/categories", json=typed, headers=auth)
    assert res.status_code == 201, res.get_json()
    as_text = {"code": "c2", **names, "sla_days": "3", "blocks_access": "true", "departments": "police"}
    res = client.post("/api/categories", json=as_text, headers=auth)
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["blocks_access"] is True and res.get_json()["departments"] == ["police"]


def test_deployment_and_lane_bodies_are_checked_before_anything_changes(client, session):
    admin = token(client, "admin")
    name = session.execute(text("SELECT name FROM deployment")).scalar()
    assert _field(client.patch("/api/deployment", json={"name": "n" * 401}, headers=admin)) == "name"
    res = client.patch("/api/deployment", json={"public_by_default": "maybe"}, headers=admin)
    assert _field(res) == "public_by_default"
    assert session.execute(text("SELECT name FROM deployment")).scalar() == name

    events = count(session, "fire_lane_status_events")
    res = client.post(
        "/api/fire-lanes/FL-05/status", json={"status": "blocked", "note": "n" * 4001}, headers=token(client, "chief")
    )
    assert _field(res) == "note" and count(session, "fire_lane_status_events") == events


def test_password_and_token_forms_refuse_unbounded_values(client, session):
    login(client, "staff")
    page = "/account/password"
    res = client.post(
        page,
        data={
            "current_password": PASSWORD,
            "new_password": "p" * 1001,
            "confirm_password": "p" * 1001,
            "csrf_token": csrf_of(client, page),
        },
        headers=JSON,
    )
    assert _field(res) == "new_password"
    assert client.post("/api/token", json={"username": "staff", "password": PASSWORD}).status_code == 200

    login(client, "admin")
    tokens_page = "/admin/tokens"
    live = "SELECT count(*) FROM bearer_tokens WHERE revoked_at IS NULL"
    before = session.execute(text(live)).scalar()
    res = client.post(
        tokens_page + "/revoke", data={"token_id": "9" * 41, "csrf_token": csrf_of(client, tokens_page)}, headers=JSON
    )
    assert _field(res) == "token_id" and session.execute(text(live)).scalar() == before
