"""The JSON API's contract (SPEC 6 names), scoped lists, site visits, duplicates, and the pages' languages."""

from __future__ import annotations

from sqlalchemy import text

from tests import factories
from tests.workflow.helpers import counts, csrf_of, login, status_of, token


def test_create_issue_answers_the_contract(client, session):
    lon, lat = factories.point_on(session, "银湖南路", 0.3)
    res = client.post(
        "/api/issues",
        headers=token(client, "clerk"),
        json={
            "category": "cooking_fumes",
            "description": "油烟",
            "lon": lon,
            "lat": lat,
            "channel": "reception_hall",
            "reporter_name": "李先生",
            "reporter_phone": "138-0000-0002",
        },
    )
    assert res.status_code == 201
    body = res.get_json()
    stored = session.execute(
        text("""SELECT i.segment_id, t.code AS team FROM issues i JOIN teams t ON t.id = i.team_id
                                     WHERE i.ref = :r"""),
        {"r": body["ref"]},
    ).one()
    assert (body["segment_id"], body["team"], body["status"], body["version"]) == (
        stored.segment_id,
        stored.team,
        "reported",
        1,
    )
    assert res.headers["Location"] == f"/api/issues/{body['ref']}"
    open_fumes_here = session.execute(
        text("""
        SELECT count(*) FROM issues WHERE category = 'cooking_fumes' AND status IN ('reported', 'accepted',
        'dispatched', 'in_progress') AND segment_id = :s AND ref <> :r"""),
        {"s": stored.segment_id, "r": body["ref"]},
    ).scalar()
    assert len(body["possible_duplicates"]) >= open_fumes_here


def test_issue_feature_has_events_and_dispatches(client, session):
    res = client.get("/api/issues/DT-2020-00001", headers=token(client, "chief"))
    feature = res.get_json()
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
    props = feature["properties"]
    n_events, n_dispatches = session.execute(
        text("""
        SELECT (SELECT count(*) FROM issue_events e WHERE e.issue_id = i.id),
               (SELECT count(*) FROM dispatches d WHERE d.issue_id = i.id) FROM issues i WHERE ref = 'DT-2020-00001'""")
    ).one()
    assert len(props["events"]) == n_events and len(props["dispatches"]) == n_dispatches
    assert {"id", "department", "created_at", "acknowledged_at", "arrived_at", "done_at"} <= set(props["dispatches"][0])
    assert props["status"] == "closed" and props["version"] == n_events  # one version per change after the report
    assert props["reported_at"].endswith("+08:00")


def test_lists_are_scoped(client, session):
    def total(username, query=""):
        return client.get(f"/api/issues?per_page=1{query}", headers=token(client, username)).get_json()["total"]

    all_issues = session.execute(text("SELECT count(*) FROM issues")).scalar()
    team = session.execute(
        text("""SELECT count(*) FROM issues i WHERE i.team_id = (SELECT id FROM teams WHERE code='T-YHNL')
        OR i.segment_id IN (SELECT segment_id FROM team_segments ts JOIN teams t ON t.id = ts.team_id
                            WHERE t.code = 'T-YHNL')""")
    ).scalar()
    market = session.execute(
        text("""SELECT count(DISTINCT d.issue_id) FROM dispatches d
        JOIN departments dep ON dep.id = d.department_id WHERE dep.code = 'market_reg'""")
    ).scalar()
    assert (total("planner"), total("chief"), total("staff")) == (all_issues, team, market)
    open_fumes = session.execute(
        text("""SELECT count(*) FROM issues WHERE category = 'cooking_fumes'
        AND status IN ('reported', 'accepted', 'dispatched', 'in_progress')""")
    ).scalar()
    assert total("admin", "&status=reported,accepted,dispatched,in_progress&category=cooking_fumes") == open_fumes
    page = client.get("/api/issues?per_page=7&page=2", headers=token(client, "planner")).get_json()
    assert len(page["features"]) == 7 and page["page"] == 2
    assert not {"reporter_name", "reporter_phone", "description"} & set(page["features"][0]["properties"])


def test_segments_by_bbox(client, session):
    bbox = (111.27, 23.47, 111.285, 23.485)
    expected = session.execute(
        text("SELECT count(*) FROM street_segments WHERE geom && ST_MakeEnvelope(:a,:b,:c,:d,4326)"),
        dict(zip("abcd", bbox, strict=False)),
    ).scalar()
    body = client.get("/api/segments?bbox=" + ",".join(map(str, bbox)), headers=token(client, "chief")).get_json()
    assert len(body["features"]) == expected and body["truncated"] is False
    assert {"code", "street_name", "length_m", "teams"} <= set(body["features"][0]["properties"])


def test_whistle_and_department_answers_through_the_api(client, session):
    issue = factories.new_issue(session, category="noise", when="2021-03-01")
    session.commit()
    chief, staff = token(client, "chief"), token(client, "staff")
    ref = issue.ref
    body = client.post(f"/api/issues/{ref}/actions", headers=chief, json={"action": "accept", "version": 1}).get_json()
    body = client.post(
        f"/api/issues/{ref}/actions",
        headers=chief,
        json={
            "action": "dispatch",
            "version": body["version"],
            "departments": ["market_reg", "police"],
            "reason": "噪声",
        },
    ).get_json()
    ids = {d["department"]: d["id"] for d in body["properties"]["dispatches"]}
    assert set(ids) == {"market_reg", "police"} and body["status"] == "dispatched"
    # staff of market_reg cannot answer for the police
    res = client.post(
        f"/api/issues/{ref}/actions",
        headers=staff,
        json={"action": "acknowledge", "version": body["version"], "dispatch_id": ids["police"]},
    )
    assert res.status_code == 403
    res = client.post(
        f"/api/issues/{ref}/actions",
        headers=staff,
        json={"action": "acknowledge", "version": body["version"], "dispatch_id": ids["market_reg"]},
    )
    assert res.status_code == 200
    assert [d["acknowledged_at"] is not None for d in res.get_json()["properties"]["dispatches"]].count(True) == 1


def test_site_visit_resolves_on_site(client, session):
    reported = factories.new_issue(session, category="ac_dripping", when="2021-03-01")
    accepted = factories.new_issue(session, category="noise", when="2021-03-01")
    factories.act(session, accepted, "accept", "chief", "2021-03-02")
    session.commit()
    login(client, "secretary")
    before = counts(session)
    res = client.post(
        "/site-visits",
        data={
            "place": "银湖南路125号",
            "notes": "与商户当面协商",
            "visited_at": "2021-03-03T10:00",
            "issues": [f"{reported.ref}:1", f"{accepted.ref}:2"],
            "csrf_token": csrf_of(client, "/site-visits"),
        },
    )
    assert res.status_code == 302
    for ref in (reported.ref, accepted.ref):
        assert status_of(session, ref) == "resolved"
        assert session.execute(text("SELECT resolution FROM issues WHERE ref = :r"), {"r": ref}).scalar() == "on_site"
    after = counts(session)
    assert (after["site_visits"], after["site_visit_issues"]) == (
        before["site_visits"] + 1,
        before["site_visit_issues"] + 2,
    )
    assert after["issue_events"] == before["issue_events"] + 3  # accept + resolve, resolve
    assert "银湖南路125号" in client.get("/site-visits").get_data(as_text=True)


def test_intake_offers_duplicates_and_merges(client, session):
    first = factories.new_issue(session, category="noise", when="2021-03-01")
    session.commit()
    login(client, "clerk")
    visit = session.execute(
        text(
            "SELECT v.id FROM visits v JOIN users u ON u.hall_id = v.hall_id "
            "WHERE u.username = 'clerk' ORDER BY v.id LIMIT 1"
        )
    ).scalar_one()
    lon, lat = factories.point_on(session)
    res = client.post(
        f"/intake/visits/{visit}/issues",
        data={
            "category": "noise",
            "description": "同一处噪声",
            "lon": str(lon),
            "lat": str(lat),
            "csrf_token": csrf_of(client, f"/intake/visits/{visit}"),
        },
    )
    assert "/duplicates" in res.headers["Location"]
    new_ref = res.headers["Location"].split("/")[-2]
    offers = client.get(res.headers["Location"]).get_data(as_text=True)
    assert first.ref in offers
    res = client.post(
        f"/issues/{new_ref}/actions",
        data={
            "action": "merge",
            "into": first.ref,
            "version": 1,
            "next": f"/intake/visits/{visit}",
            "csrf_token": csrf_of(client, "/intake"),
        },
    )
    assert res.status_code == 302 and res.headers["Location"].endswith(f"/intake/visits/{visit}")
    assert status_of(session, new_ref) == "duplicate"


def test_pages_speak_chinese_first_and_english_on_request(client):
    login(client, "chief")
    zh = client.get("/work").get_data(as_text=True)
    assert "我的事件" in zh and "超期" in zh
    en = client.get("/work?lang=en").get_data(as_text=True)
    assert "My issues" in en and "我的事件" not in en
    client.get("/work?lang=zh")
    browser_en = client.get("/issues/DT-2020-00001").get_data(as_text=True)
    assert "处理过程" in browser_en  # the remembered choice wins over the browser's language


def test_browser_language_is_used_without_a_choice(app, session):
    client = app.test_client()
    login(client, "chief")
    page = client.get("/issues/DT-2020-00001", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Timeline" in page and "2020-05-27" in page


def test_overdue_flagged_on_lists_and_escalation(client, session):
    overdue = session.execute(
        text("""SELECT count(*) FROM issues WHERE status IN ('reported','accepted','dispatched',
        'in_progress') AND due_at < now()""")
    ).scalar()
    login(client, "planner")
    page = client.get("/escalation").get_data(as_text=True)
    assert f"{overdue} 件超期" in page
    assert page.count('class="is-overdue"') == min(overdue, 100)


def test_no_outside_urls_in_pages(client):
    login(client, "admin")
    for url in (
        "/",
        "/intake",
        "/work",
        "/escalation",
        "/dispatches",
        "/site-visits",
        "/issues/DT-2020-00001",
        "/issues/DT-2020-00001/map",
    ):
        body = client.get(url).get_data(as_text=True)
        assert "http://" not in body and "https://" not in body, url
