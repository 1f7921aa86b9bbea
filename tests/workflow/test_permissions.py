"""Permission matrix: every page and API route of the workflow against every role and anonymous."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests import factories
from tests.workflow.helpers import PASSWORD, counts, csrf_of, login, token

ROLES = ("anonymous", "admin", "planner", "clerk", "chief", "secretary", "staff")
IN_SCOPE = "DT-2020-00001"  # 银湖南路 (T-YHNL), market_reg was dispatched to it


@pytest.fixture()
def other_team_ref(session):
    """An issue of another team to which market_reg was never dispatched."""
    return session.execute(
        text("""
        SELECT i.ref FROM issues i JOIN teams t ON t.id = i.team_id WHERE t.code = 'T-XA'
          AND NOT EXISTS (SELECT 1 FROM dispatches d JOIN departments dep ON dep.id = d.department_id
                          WHERE d.issue_id = i.id AND dep.code = 'market_reg') ORDER BY i.ref LIMIT 1""")
    ).scalar_one()


def _expect(table: dict, role: str) -> int:
    return table.get(role, table.get("*"))


LOGIN = 302  # pages send anonymous users to /login
PAGES = [
    ("/intake", {"anonymous": LOGIN, "admin": 200, "clerk": 200, "*": 403}),
    ("/intake/visits/{visit}", {"anonymous": LOGIN, "admin": 200, "clerk": 200, "*": 403}),
    (
        "/intake/segments.json?bbox=111.27,23.47,111.29,23.49",
        {"anonymous": LOGIN, "admin": 200, "clerk": 200, "*": 403},
    ),
    ("/work", {"anonymous": LOGIN, "staff": 403, "*": 200}),
    ("/escalation", {"anonymous": LOGIN, "admin": 200, "planner": 200, "secretary": 200, "*": 403}),
    ("/dispatches", {"anonymous": LOGIN, "admin": 200, "staff": 200, "*": 403}),
    ("/site-visits", {"anonymous": LOGIN, "admin": 200, "chief": 200, "secretary": 200, "*": 403}),
    ("/issues/" + IN_SCOPE, {"anonymous": LOGIN, "*": 200}),
    ("/issues/" + IN_SCOPE + "/map", {"anonymous": LOGIN, "*": 200}),
    ("/issues/{other}", {"anonymous": LOGIN, "chief": 403, "secretary": 403, "staff": 403, "*": 200}),
    ("/issues/{other}/map", {"anonymous": LOGIN, "chief": 403, "secretary": 403, "staff": 403, "*": 200}),
    ("/", {"*": 200}),
]
API_GET = [
    ("/api/categories", {"anonymous": 401, "*": 200}),  # SPEC 6: the organisation API is for staff
    ("/api/departments", {"anonymous": 401, "*": 200}),
    ("/api/teams", {"anonymous": 401, "*": 200}),
    ("/api/segments?bbox=111.27,23.47,111.29,23.49", {"anonymous": 401, "*": 200}),
    ("/api/issues", {"anonymous": 401, "*": 200}),
    ("/api/issues/" + IN_SCOPE, {"anonymous": 401, "*": 200}),
    ("/api/issues/{other}", {"anonymous": 401, "chief": 403, "secretary": 403, "staff": 403, "*": 200}),
]


def _visit_of_clerk_hall(session) -> int:
    return session.execute(
        text("""SELECT v.id FROM visits v JOIN users u ON u.hall_id = v.hall_id
                                   WHERE u.username = 'clerk' ORDER BY v.id LIMIT 1""")
    ).scalar_one()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path,table", PAGES, ids=[p for p, _ in PAGES])
def test_pages(client, session, other_team_ref, role, path, table):
    if role != "anonymous":
        login(client, role)
    url = path.format(other=other_team_ref, visit=_visit_of_clerk_hall(session))
    res = client.get(url)
    assert res.status_code == _expect(table, role), (role, url)
    if res.status_code == LOGIN:
        assert "/login" in res.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path,table", API_GET, ids=[p for p, _ in API_GET])
def test_api_reads(client, session, other_team_ref, role, path, table):
    headers = token(client, role) if role != "anonymous" else {}
    res = client.get(path.format(other=other_team_ref), headers=headers)
    assert res.status_code == _expect(table, role), (role, path, res.get_json())
    if res.status_code >= 400:
        assert set(res.get_json()["error"]) >= {"code", "message", "field"}


def test_api_ignores_the_session_cookie(client):
    login(client, "admin")
    assert client.get("/api/issues").status_code == 401


@pytest.mark.parametrize(
    "role,expected",
    [
        ("anonymous", 401),
        ("admin", 201),
        ("clerk", 201),
        ("chief", 201),
        ("secretary", 201),
        ("planner", 403),
        ("staff", 403),
    ],
)
def test_api_create_issue(client, session, role, expected):
    lon, lat = factories.point_on(session)
    headers = token(client, role) if role != "anonymous" else {}
    before = counts(session)
    res = client.post(
        "/api/issues",
        headers=headers,
        json={"category": "noise", "description": "夜间噪声", "lon": lon, "lat": lat, "channel": "phone"},
    )
    assert res.status_code == expected, res.get_json()
    after = counts(session)
    assert after["issues"] == before["issues"] + (1 if expected == 201 else 0)


ACCEPT = {"anonymous": 401, "admin": 200, "chief": 200, "secretary": 200, "*": 403}


@pytest.mark.parametrize("role", ROLES)
def test_api_action_scope(client, session, role):
    issue = factories.new_issue(session, category="noise", when="2021-03-01")
    session.commit()  # a savepoint: a route's rollback of a refused request must not undo the fixture
    headers = token(client, role) if role != "anonymous" else {}
    before = counts(session)
    res = client.post(f"/api/issues/{issue.ref}/actions", headers=headers, json={"action": "accept", "version": 1})
    assert res.status_code == _expect(ACCEPT, role), res.get_json()
    assert counts(session)["issue_events"] == before["issue_events"] + (1 if res.status_code == 200 else 0)


@pytest.mark.parametrize("username", ["chief_xa", "secretary_xa", "staff_police", "planner", "clerk"])
def test_out_of_scope_action_changes_nothing(client, session, username):
    issue = factories.new_issue(session, category="noise", when="2021-03-01")
    session.commit()  # a savepoint: a route's rollback of a refused request must not undo the fixture
    res = client.post(
        f"/api/issues/{issue.ref}/actions", headers=token(client, username), json={"action": "accept", "version": 1}
    )
    assert res.status_code == 403 and res.get_json()["error"]["field"] == "action"
    row = session.execute(text("SELECT status, version FROM issues WHERE ref = :r"), {"r": issue.ref}).one()
    assert tuple(row) == ("reported", 1)


@pytest.mark.parametrize(
    "role,expected",
    [
        ("anonymous", 302),
        ("chief", 302),
        ("secretary", 302),
        ("admin", 302),
        ("planner", 403),
        ("clerk", 403),
        ("staff", 403),
    ],
)
def test_page_action_scope(client, session, role, expected):
    issue = factories.new_issue(session, category="noise", when="2021-03-01")
    session.commit()  # a savepoint: a route's rollback of a refused request must not undo the fixture
    if role != "anonymous":
        login(client, role)
    page = "/login" if role in ("anonymous",) else "/"
    res = client.post(
        f"/issues/{issue.ref}/actions", data={"action": "accept", "version": 1, "csrf_token": csrf_of(client, page)}
    )
    assert res.status_code == expected
    changed = session.execute(text("SELECT status FROM issues WHERE ref = :r"), {"r": issue.ref}).scalar()
    assert changed == ("accepted" if role in ("chief", "secretary", "admin") else "reported")


@pytest.mark.parametrize(
    "url,data,allowed",
    [
        ("/intake/visits", {"people": "2", "hall": "FY-HALL"}, ("clerk", "admin")),
        ("/site-visits", {"place": "银湖南路口"}, ("chief", "secretary", "admin")),
    ],
)
@pytest.mark.parametrize("role", ROLES[1:])
def test_page_forms_by_role(client, session, url, data, allowed, role):
    login(client, role)
    before = counts(session)
    res = client.post(url, data={**data, "csrf_token": csrf_of(client, "/")})
    assert res.status_code == (302 if role in allowed else 403)
    assert (counts(session) != before) == (role in allowed)


def test_forms_need_csrf(client, session):
    login(client, "clerk")
    before = counts(session)
    assert client.post("/intake/visits", data={"people": "2"}).status_code == 400
    assert counts(session) == before


def test_failed_logins_say_nothing_about_the_user(client):
    bodies = []
    for username in ("chief", "no-such-user"):
        res = client.post(
            "/login", data={"username": username, "password": PASSWORD + "x", "csrf_token": csrf_of(client, "/login")}
        )
        assert res.status_code == 401
        bodies.append(res.get_data(as_text=True))
        api = client.post("/api/token", json={"username": username, "password": "wrong-password"})
        assert api.status_code == 401
        bodies.append(api.get_json())
    assert bodies[0] == bodies[2] and bodies[1] == bodies[3]
