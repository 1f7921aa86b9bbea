"""A new district set up from files and through the API, with no code and no SQL (issue 14): its whistle
offers its own departments (pre-selecting the category's defaults), intake its categories and channels,
Open311 its services; a retired category stays on its issues only; moving a team's segments re-links
the open issues, not the closed ones."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import text

from geo_app.extensions import db

S_BOX = [[24.93, 60.165], [24.955, 60.165], [24.955, 60.1715], [24.93, 60.1715], [24.93, 60.165]]
N_BOX = [[24.93, 60.1715], [24.955, 60.1715], [24.955, 60.18], [24.93, 60.18], [24.93, 60.1715]]
ALL_BOX = [[24.93, 60.165], [24.955, 60.165], [24.955, 60.18], [24.93, 60.18], [24.93, 60.165]]
OLD_CATEGORIES = ("cooking_fumes", "noise", "illegal_parking", "dog_keeping", "water_renovation", "ac_dripping",
                  "obstruction", "sanitation", "road_damage", "street_light")  # fmt: skip
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _feature(props, geometry):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _collection(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _line(a, b):
    return {"type": "LineString", "coordinates": [a, b]}


def _poly(ring):
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture()
def district(bare_app, tmp_path):
    """A fresh deployment: profile, two streets, then its organisation from files (the README's steps)."""
    runner = bare_app.test_cli_runner()
    init = runner.invoke(
        args=["init-deployment", "--name", "河畔区", "--name-en", "Riverside", "--timezone", "Europe/Helsinki",
              "--center", "24.94,60.17", "--ref-prefix", "RS"]
    )  # fmt: skip
    assert init.exit_code == 0, init.output
    streets = _collection(
        tmp_path / "streets.geojson",
        [
            _feature(
                {"id": 1, "name": "South Street", "highway": "residential"}, _line([24.94, 60.17], [24.944, 60.17])
            ),
            _feature(
                {"id": 2, "name": "North Street", "highway": "residential"}, _line([24.94, 60.173], [24.944, 60.173])
            ),
        ],
    )
    out = runner.invoke(args=["import-streets", str(streets)])
    assert out.exit_code == 0, out.output
    org = tmp_path / "org"
    org.mkdir()
    (org / "departments.csv").write_text(
        "kind,code,name_zh,name_en\ndepartment,roads,道路,Roads\ndepartment,parks,园林,Parks\n", encoding="utf-8"
    )
    (org / "channels.csv").write_text("kind,code,name_zh,name_en,position\nchannel,hotline,热线,Hotline,7\n")
    (org / "categories.csv").write_text(
        "kind,code,name_zh,name_en,sla_days,blocks_access,departments,service_code,group\n"
        "category,pothole,坑洼,Pothole,5,false,roads,POT,streets\n"
        "category,tree,倒树,Fallen tree,2,true,parks;roads,,parks\n",
        encoding="utf-8",
    )
    # the reference categories every database starts with are not this district's: retired by a file
    (org / "retire.csv").write_text(
        "kind,code,active\n" + "".join(f"category,{c},false\n" for c in OLD_CATEGORIES), encoding="utf-8"
    )
    _collection(
        org / "areas.geojson",
        [
            _feature({"kind": "area", "code": "RS", "name_zh": "河畔区", "level": "district"}, _poly(ALL_BOX)),
            _feature(
                {"kind": "area", "code": "RS-S", "name_zh": "南社区", "level": "community", "parent": "RS"},
                _poly(S_BOX),
            ),
            _feature(
                {"kind": "area", "code": "RS-N", "name_zh": "北社区", "level": "community", "parent": "RS"},
                _poly(N_BOX),
            ),
            _feature(
                {"kind": "hall", "code": "H-S", "name_zh": "南接待厅"},
                {"type": "Point", "coordinates": [24.942, 60.168]},
            ),
        ],
    )
    _collection(
        org / "teams.geojson",
        [
            _feature({"kind": "team", "code": "T-S", "name_zh": "南街长团队", "name_en": "South team",
                      "members": [{"name": "Aino", "role": "liaison", "department": "roads"}]}, _poly(S_BOX)),
            _feature({"kind": "team", "code": "T-N", "name_zh": "北街长团队", "name_en": "North team"}, _poly(N_BOX)),
        ],
    )  # fmt: skip
    (org / "users.csv").write_text(
        "kind,code,name_zh,role,team,department,hall,password\n"
        "user,boss,管理员,admin,,,,boss-password-1\n"
        "user,chief_s,南街长,chief,T-S,,,chief-password-1\n"
        "user,clerk_s,南接待员,clerk,,,H-S,clerk-password-1\n"
        "user,worker,道路员工,staff,,roads,,worker-password-1\n",
        encoding="utf-8",
    )
    for name in ("departments.csv", "channels.csv", "categories.csv", "retire.csv", "areas.geojson",
                 "teams.geojson", "users.csv"):  # fmt: skip
        out = runner.invoke(args=["import-org", str(org / name)])
        assert out.exit_code == 0, (name, out.output)
    with bare_app.app_context():
        segments = dict(db.session.execute(text("SELECT street_name, code FROM street_segments")).all())
        db.session.remove()
    return bare_app, runner, segments


def _token(client, username, password):
    res = client.post("/api/token", json={"username": username, "password": password})
    assert res.status_code == 200, res.get_json()
    return {"Authorization": f"Bearer {res.get_json()['token']}"}


def _login(client, username, password):
    page = client.get("/login").get_data(as_text=True)
    res = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": _CSRF.search(page).group(1)}
    )
    assert res.status_code == 302


def test_a_new_district_from_files_and_the_api(district):
    app, runner, segments = district
    client = app.test_client()
    boss = _token(client, "boss", "boss-password-1")
    chief = _token(client, "chief_s", "chief-password-1")

    # the API adds to what the files made; refusals name their field
    res = client.post(
        "/api/departments", json={"code": "lighting", "name_zh": "照明", "name_en": "Lighting"}, headers=boss
    )
    assert res.status_code == 201, res.get_json()
    body = {"code": "lamp", "name_zh": "路灯坏", "name_en": "Broken lamp", "sla_days": 3, "departments": ["lighting"]}
    res = client.post("/api/categories", json=body, headers=boss)
    assert res.status_code == 201, res.get_json()
    assert client.post("/api/categories", json=body, headers=boss).status_code == 409
    res = client.post("/api/categories", json={**body, "code": "x", "departments": ["nobody"]}, headers=boss)
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "departments"
    assert client.post("/api/categories", json={**body, "code": "y"}, headers=chief).status_code == 403

    # intake offers this district's categories and channels only
    cats = client.get("/api/categories?active=true", headers=chief).get_json()
    assert {c["code"] for c in cats} == {"pothole", "tree", "lamp"}
    issue = {"category": "pothole", "description": "a hole", "lon": 24.942, "lat": 60.17001, "channel": "hotline"}
    res = client.post("/api/issues", json=issue, headers=chief)
    assert res.status_code == 201, res.get_json()
    ref = res.get_json()["ref"]
    assert res.get_json()["team"] in ("T-S", "南街长团队")
    res = client.post("/api/issues", json={**issue, "category": "noise"}, headers=chief)
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "category"
    res = client.post("/api/issues", json={**issue, "channel": "fax"}, headers=chief)
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "channel"

    # Open311 lists its services
    services = client.get("/open311/v2/services.json").get_json()
    assert {s["service_code"] for s in services} == {"POT", "tree", "lamp"}

    # the whistle offers this district's departments, the category's defaults ticked
    res = client.post(f"/api/issues/{ref}/actions", json={"action": "accept", "version": 1}, headers=chief)
    assert res.status_code == 200, res.get_json()
    _login(client, "chief_s", "chief-password-1")
    page = client.get(f"/issues/{ref}").get_data(as_text=True)
    whistle = page[page.index('class="action whistle"') :]
    whistle = whistle[: whistle.index("</form>")]
    assert re.search(r'value="roads" checked', whistle)
    assert re.search(r'value="parks">', whistle) and 'value="lighting"' in whistle
    client.post("/logout", data={"csrf_token": _CSRF.search(page).group(1)})
    chief = _token(client, "chief_s", "chief-password-1")  # logging out ended the chief's tokens too

    # the intake page of a clerk offers the active categories only
    _login(client, "clerk_s", "clerk-password-1")
    page = client.get("/intake").get_data(as_text=True)
    res = client.post(
        "/intake/visits",
        data={"hall": "H-S", "people": "1", "topics": "x", "csrf_token": _CSRF.search(page).group(1)},
    )
    assert res.status_code == 302, res.get_data(as_text=True)[:2000]
    visit_page = client.get(res.headers["Location"]).get_data(as_text=True)
    options = set(re.findall(r'<option value="([a-z_]+)"', visit_page[visit_page.index('name="category"') :][:3000]))
    assert {"pothole", "tree", "lamp"} <= options and "noise" not in options

    # retire a category: no new issue may use it, the old one keeps it, the audit says who
    res = client.patch("/api/categories/pothole", json={"active": False}, headers=boss)
    assert res.status_code == 200 and res.get_json()["active"] is False
    assert client.post("/api/issues", json=issue, headers=chief).status_code == 400
    assert client.get(f"/api/issues/{ref}", headers=chief).get_json()["properties"]["category"] == "pothole"
    assert "POT" not in {s["service_code"] for s in client.get("/open311/v2/services.json").get_json()}
    with app.app_context():
        entry = db.session.execute(
            text("SELECT actor, action, before->>'active', after->>'active' FROM org_audit "
                 "WHERE kind = 'category' AND code = 'pothole' ORDER BY id DESC LIMIT 1")
        ).one()  # fmt: skip
        db.session.remove()
    assert tuple(entry) == ("boss", "retire", "true", "false")


def test_moving_a_teams_segments_relinks_open_issues_only(district):
    app, runner, segments = district
    client = app.test_client()
    boss = _token(client, "boss", "boss-password-1")
    chief = _token(client, "chief_s", "chief-password-1")
    issue = {"category": "tree", "description": "a tree", "lon": 24.942, "lat": 60.17001, "channel": "hotline"}
    open_ref = client.post("/api/issues", json=issue, headers=chief).get_json()["ref"]
    closed_ref = client.post("/api/issues", json=issue, headers=chief).get_json()["ref"]
    res = client.post(
        f"/api/issues/{closed_ref}/actions", json={"action": "reject", "version": 1, "reason": "test"}, headers=chief
    )
    assert res.status_code == 200, res.get_json()
    south, north = segments["South Street"], segments["North Street"]
    res = client.patch("/api/teams/T-N", json={"segments": [south, north]}, headers=boss)
    assert res.status_code == 200 and res.get_json()["segments"] == sorted([south, north])
    res = client.patch("/api/teams/T-S", json={"segments": []}, headers=boss)
    assert res.status_code == 200, res.get_json()
    with app.app_context():
        rows = dict(
            db.session.execute(text("SELECT i.ref, t.code FROM issues i LEFT JOIN teams t ON t.id = i.team_id")).all()
        )
        events = db.session.execute(
            text("SELECT e.data FROM issue_events e JOIN issues i ON i.id = e.issue_id "
                 "WHERE e.action = 'relink' AND i.ref = :r"), {"r": open_ref}
        ).scalars().all()  # fmt: skip
        db.session.remove()
    assert rows[open_ref] == "T-N" and rows[closed_ref] == "T-S"
    assert events == [{"from_team": "T-S", "to_team": "T-N", "by": "boss"}]


def test_imported_issues_find_categories_by_their_words(district, tmp_path):
    app, runner, _segments = district
    path = tmp_path / "calls.csv"
    path.write_text(
        "ref,category,description,lon,lat,channel,reported_at\n"
        "RS-2024-00001,Fallen tree,a,24.942,60.17001,hotline,2024-05-01 10:00\n"
        "RS-2024-00002,倒树,b,24.942,60.17001,hotline,2024-05-01 11:00\n"
        "RS-2024-00003,POT,c,24.942,60.17001,hotline,2024-05-01 12:00\n"
        "RS-2024-00004,Spaceship,d,24.942,60.17001,hotline,2024-05-01 13:00\n",
        encoding="utf-8",
    )
    out = runner.invoke(args=["import-issues", str(path), "--no-progress"])
    assert out.exit_code == 0 and "inserted 3" in out.output and "rejected 1" in out.output, out.output
    with app.app_context():
        cats = db.session.execute(text("SELECT category FROM issues ORDER BY ref")).scalars().all()
        db.session.remove()
    assert cats == ["tree", "tree", "pothole"]
