"""The five map pages: right roles only, offline (no outside URL), escaped popups, Chinese and English."""

from __future__ import annotations

import re

import pytest
from flask_babel import refresh
from sqlalchemy import text

from tests.maps.helpers import XSS, login

MAPS = {
    "/maps/chief": {"chief", "secretary", "planner", "admin"},
    "/maps/hotspots": {"planner", "admin"},
    "/maps/fire-lanes": {"chief", "secretary", "planner", "admin"},
    "/maps/coverage": {"planner", "admin"},
    "/maps/public": None,
}
USERS = ("admin", "planner", "clerk", "chief", "secretary", "staff")
OUTSIDE = re.compile(r"https?://", re.IGNORECASE)


@pytest.mark.parametrize("path", [p for p, roles in MAPS.items() if roles])
def test_staff_maps_send_anonymous_users_to_login(client, path):
    r = client.get(path)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


@pytest.mark.parametrize("username", USERS)
def test_each_map_renders_for_its_roles_and_refuses_the_others(client, username):
    login(client, username)
    for path, roles in MAPS.items():
        r = client.get(path)
        if roles is None or username in roles:
            assert r.status_code == 200, (path, username, r.get_data(as_text=True)[:300])
            body = r.get_data(as_text=True)
            assert "L.map(" in body and "GeoMaps.init(" in body
            assert not OUTSIDE.search(body), OUTSIDE.findall(body)[:3]
        else:
            assert r.status_code == 403, (path, username)


def test_public_map_needs_no_login_and_has_no_outside_links(client):
    r = client.get("/maps/public")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "/tiles/public/{z}/{x}/{y}.pbf" in body and "/tiles/issues/" not in body
    assert not OUTSIDE.search(body)
    for src in re.findall(r'(?:src|href)="([^"]+)"', body):
        assert src.startswith(("/", "#", "data:")), src


def test_configured_tile_url_is_the_only_outside_link(app, client):
    url = "https://tiles.intranet.example/{z}/{x}/{y}.png"
    app.config.update(TILE_URL=url, TILE_ATTRIBUTION="intranet tiles")
    try:
        body = client.get("/maps/public").get_data(as_text=True)
    finally:
        app.config.update(TILE_URL=None, TILE_ATTRIBUTION="")
    assert set(OUTSIDE.findall(body)) == {"https://"} and body.count("https://") == 1 and url in body


def test_pages_are_chinese_by_default_and_english_on_request(client):
    zh = client.get("/maps/public").get_data(as_text=True)
    # the `session` fixture keeps one app context for the whole test, where Flask-Babel caches the locale
    refresh()
    en = client.get("/maps/public?lang=en").get_data(as_text=True)
    assert "已解决的问题" in zh and "类别" in zh and "What got fixed" not in zh
    assert "What got fixed" in en and "Category" in en and "已解决的问题" not in en


def test_chief_map_is_scoped_to_the_team(client):
    login(client, "chief")
    body = client.get("/maps/chief").get_data(as_text=True)
    assert "/tiles/issues/{z}/{x}/{y}.pbf?team=T-YHNL" in body
    assert client.get("/maps/chief?team=T-LG").status_code == 403
    assert client.get("/maps/fire-lanes?team=T-LG").status_code == 403


def test_planner_picks_a_team_and_bad_filters_are_400(client):
    login(client, "planner")
    body = client.get("/maps/chief?team=T-LG&status=dispatched&category=noise").get_data(as_text=True)
    assert "status=dispatched" in body and "team=T-LG" in body and "category=noise" in body
    for query, field in (
        ("team=NOPE", "team"),
        ("category=xyz", "category"),
        ("status=closed", "status"),
        ("start=yesterday", "start"),
        ("start=2020-06-02&end=2020-06-01", "end"),
    ):
        r = client.get(f"/maps/chief?{query}", headers={"Accept": "application/json"})
        assert r.status_code == 400 and r.get_json()["error"]["field"] == field, query
    r = client.get("/maps/fire-lanes?lane_status=open", headers={"Accept": "application/json"})
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "lane_status"


def test_user_text_is_escaped_in_embedded_popups(client, session):
    session.execute(text("UPDATE fire_lanes SET name = :x WHERE code = 'FL-01'"), {"x": XSS})
    session.execute(text("UPDATE reception_halls SET address = :x WHERE code = 'FY-HALL'"), {"x": XSS})
    session.execute(text("UPDATE teams SET name = :x WHERE code = 'T-YHNL'"), {"x": XSS})
    login(client, "chief")
    for path in ("/maps/chief", "/maps/fire-lanes"):
        body = client.get(path).get_data(as_text=True)
        assert XSS not in body and "<script>alert" not in body
        # the popups and tooltips carry the text as escaped HTML (itself JSON-encoded in the script)
        assert "\\u0026lt;script\\u0026gt;alert(" in body


def test_page_html_does_not_grow_with_issues(client, session):
    login(client, "planner")
    before = {p: len(client.get(p).data) for p in MAPS}
    session.execute(
        text("""
        INSERT INTO issues (ref, category, description, geom, channel, status, reported_at, updated_at, version,
                            priority, segment_id, team_id)
        SELECT 'BULK-' || g, 'noise', 'bulk', geom, 'web', 'reported', now(), now(), 1, 3, segment_id, team_id
        FROM (SELECT geom, segment_id, team_id FROM issues ORDER BY id LIMIT 1) i, generate_series(1, 3000) g""")
    )
    after = {p: len(client.get(p).data) for p in MAPS}
    for path in MAPS:
        # counts in popups and the analysis' cluster outlines may change a little (the hotspots page's derived
        # DBSCAN parameters grow with the issues, so its clusters may merge); 3000 issues embedded one by one
        # would add hundreds of kB
        assert after[path] - before[path] < 2000, (path, before[path], after[path])
