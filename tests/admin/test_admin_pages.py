"""The admin area: only admins get in (pages and API), forms create, edit, retire and reset passwords with
every change audited, an uploaded file is all or nothing, and user text is escaped."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import text

from tests.workflow.helpers import PASSWORD, count, csrf_of, login, token

ROLES = ("admin", "planner", "clerk", "chief", "secretary", "staff")
PAGES = [
    "/admin",
    "/admin/audit",
    "/admin/categories",
    "/admin/categories/new",
    "/admin/categories/noise",
    "/admin/teams/T-YHNL",
    "/admin/areas/DT",
    "/admin/halls/FY-HALL",
    "/admin/compounds/CP-01",
    "/admin/users/chief",
    "/admin/channels/phone",
    "/admin/departments/police",
]
KINDS = ("categories", "departments", "channels", "teams", "areas", "halls", "compounds", "users")


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_open_the_admin_pages(client, role):
    login(client, role)
    for path in PAGES:
        res = client.get(path)
        assert res.status_code == (200 if role == "admin" else 403), (role, path, res.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_staff_read_and_only_admins_write_the_api(client, role):
    auth = token(client, role)
    for kind in KINDS:
        assert client.get(f"/api/{kind}", headers=auth).status_code == 200, (role, kind)
    res = client.post("/api/departments", json={"code": "newdep", "name_zh": "新部门", "name_en": "New"}, headers=auth)
    assert res.status_code == (201 if role == "admin" else 403), (role, res.get_json())
    res = client.patch("/api/categories/noise", json={"keywords": "吵"}, headers=auth)
    assert res.status_code == (200 if role == "admin" else 403)


def test_anonymous_callers_are_sent_away(client):
    assert client.get("/admin").status_code == 302
    assert client.get("/api/users").status_code == 401
    assert client.patch("/api/categories/noise", json={"active": False}).status_code == 401


def test_create_edit_retire_with_history_in_both_languages(client, session):
    login(client, "admin")
    page = "/admin/categories/new"
    res = client.post(
        page,
        data={"code": "graffiti", "name_zh": "涂鸦<b>", "name_en": "Graffiti", "sla_days": "4",
              "departments": "urban_mgmt;community", "csrf_token": csrf_of(client, page)},
    )  # fmt: skip
    assert res.status_code == 400 and "HTML" in res.get_data(as_text=True)  # markup refused, nothing stored
    assert session.execute(text("SELECT count(*) FROM categories WHERE code = 'graffiti'")).scalar() == 0
    res = client.post(
        page,
        data={"code": "graffiti", "name_zh": "涂鸦", "name_en": "Graffiti", "sla_days": "4",
              "departments": "urban_mgmt;community", "csrf_token": csrf_of(client, page)},
    )  # fmt: skip
    assert res.status_code == 302
    edit = "/admin/categories/graffiti"
    res = client.post(edit, data={"sla_days": "6", "csrf_token": csrf_of(client, edit)})
    assert res.status_code == 302
    res = client.post(edit + "/active", data={"active": "false", "csrf_token": csrf_of(client, edit)})
    assert res.status_code == 302
    body = client.get(edit).get_data(as_text=True)
    assert "sla_days: 4 → 6" in body and 'data-action="retire"' in body and 'data-action="create"' in body
    assert "已停用" in body or "停用" in body
    english = client.get(edit + "?lang=en").get_data(as_text=True)
    assert "History" in english and "Bring back" in english
    defaults = session.execute(
        text("""SELECT array_agg(d.code ORDER BY cd.position) FROM category_departments cd
                JOIN departments d ON d.id = cd.department_id WHERE cd.category_code = 'graffiti'""")
    ).scalar()
    assert defaults == ["urban_mgmt", "community"]
    search = client.get("/admin/categories?q=涂鸦&active=false").get_data(as_text=True)
    assert 'data-code="graffiti"' in search and 'data-code="noise"' not in search


def test_an_admin_resets_a_password_and_deactivates_a_user(client, session):
    login(client, "admin")
    old = client.post("/api/token", json={"username": "clerk_xa", "password": PASSWORD}).get_json()["token"]
    edit = "/admin/users/clerk_xa"
    res = client.post(edit, data={"password": "a-new-password", "csrf_token": csrf_of(client, edit)})
    assert res.status_code == 302
    assert client.post("/api/token", json={"username": "clerk_xa", "password": PASSWORD}).status_code == 401
    assert client.get("/api/issues", headers={"Authorization": f"Bearer {old}"}).status_code == 401  # reset ends it
    assert client.post("/api/token", json={"username": "clerk_xa", "password": "a-new-password"}).status_code == 200
    res = client.post(edit + "/active", data={"active": "false", "csrf_token": csrf_of(client, edit)})
    assert res.status_code == 302
    assert client.post("/api/token", json={"username": "clerk_xa", "password": "a-new-password"}).status_code == 401
    audit = session.execute(
        text("SELECT action, after->>'password' FROM org_audit WHERE code = 'clerk_xa' AND actor = 'admin' ORDER BY id")
    ).all()
    assert [tuple(a) for a in audit] == [("update", "(set)"), ("retire", None)]
    assert "a-new-password" not in str(session.execute(text("SELECT before, after FROM org_audit")).all())


def test_an_uploaded_file_is_all_or_nothing(client, session):
    login(client, "admin")
    before = count(session, "departments")
    bad = b"kind,code,name_zh,name_en\ndepartment,parks,Parks,Parks\ndepartment,parks,Parks,Parks\n"
    res = client.post(
        "/admin/import",
        data={"file": (io.BytesIO(bad), "org.csv"), "csrf_token": csrf_of(client, "/admin")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 400 and "line 3" in res.get_data(as_text=True)
    assert count(session, "departments") == before
    good = b"kind,code,name_zh,name_en\ndepartment,parks,\xe5\x9b\xad\xe6\x9e\x97,Parks\n"
    res = client.post(
        "/admin/import",
        data={"file": (io.BytesIO(good), "org.csv"), "csrf_token": csrf_of(client, "/admin")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 302 and count(session, "departments") == before + 1


def test_a_team_drawn_as_a_polygon_selects_its_segments(client, session):
    login(client, "admin")
    page = "/admin/teams/new"
    ring = "[[111.2,23.4],[111.35,23.4],[111.35,23.55],[111.2,23.55],[111.2,23.4]]"
    res = client.post(
        page,
        data={"code": "T-ALL", "name_zh": "全区团队", "geometry": '{"type":"Polygon","coordinates":[' + ring + "]}",
              "csrf_token": csrf_of(client, page)},
    )  # fmt: skip
    assert res.status_code == 302, res.get_data(as_text=True)[:3000]
    n = session.execute(
        text("SELECT count(*) FROM team_segments ts JOIN teams t ON t.id = ts.team_id WHERE t.code = 'T-ALL'")
    ).scalar()
    assert n == count(session, "street_segments")
