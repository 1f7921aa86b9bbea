"""Privacy and scope: Open311 places issues where the public map does (the segment's midpoint, never the
resident's spot), lists vetted issues only; a chief or secretary without a team sees no team's visits."""

from __future__ import annotations

from sqlalchemy import select, text

from geo_app.domain.core.accounts import create_user
from geo_app.domain.workflow.on_site import log_site_visit, recent_site_visits
from geo_app.models import User
from tests import factories
from tests.workflow.helpers import PASSWORD, csrf_of, token

BASE = "/open311/v2"
WINDOWS = [("2020-05-01", "2020-07-30"), ("2020-07-30", "2020-10-28"), ("2020-10-28", "2020-11-07")]


def _all_listed(client) -> list[dict]:
    out = []
    for start, end in WINDOWS:
        res = client.get(f"{BASE}/requests.json?start_date={start}T00:00:00Z&end_date={end}T00:00:00Z")
        assert res.status_code == 200
        out += res.get_json()
    return out


def test_open311_locations_are_the_segment_midpoints(client, session):
    listed = _all_listed(client)
    assert len(listed) > 100
    rows = session.execute(
        text("""
        SELECT i.ref, ST_X(m.p) AS lon, ST_Y(m.p) AS lat, ST_X(i.geom) AS rlon, ST_Y(i.geom) AS rlat
        FROM issues i JOIN street_segments s ON s.id = i.segment_id,
             LATERAL (SELECT ST_LineInterpolatePoint(s.geom, 0.5) AS p) m""")
    ).all()
    truth = {r.ref: r for r in rows}
    far_from_the_resident = 0
    for item in listed:
        r = truth.get(item["service_request_id"])
        if r is None:  # unlinked: a grid cell
            continue
        assert abs(item["long"] - r.lon) < 1e-6 and abs(item["lat"] - r.lat) < 1e-6
        metres = session.execute(
            text("SELECT ST_Distance(ST_MakePoint(:a, :b)::geography, ST_MakePoint(:c, :d)::geography)"),
            {"a": item["long"], "b": item["lat"], "c": r.rlon, "d": r.rlat},
        ).scalar_one()
        far_from_the_resident += metres > 5
    assert far_from_the_resident > len(listed) / 2  # the reported spot is not what is published


def test_open311_lists_only_vetted_issues(client, session):
    hidden = set(
        session.execute(text("SELECT ref FROM issues WHERE status IN ('reported', 'rejected', 'duplicate')")).scalars()
    )
    assert hidden  # the demo has some, or the test proves nothing
    listed = {item["service_request_id"] for item in _all_listed(client)}
    assert listed and not (listed & hidden)


def test_open311_does_not_show_a_rejected_issue_by_id(client, session):
    ref = factories.new_issue(session).ref
    assert client.get(f"{BASE}/requests/{ref}.json").status_code == 200  # a new report: its reporter follows it
    version = session.execute(text("SELECT version FROM issues WHERE ref = :r"), {"r": ref}).scalar_one()
    res = client.post(
        f"/api/issues/{ref}/actions",
        json={"action": "reject", "version": version, "reason": "not ours"},
        headers=token(client, "admin"),
    )
    assert res.status_code == 200, res.get_json()
    assert client.get(f"{BASE}/requests/{ref}.json").status_code == 404


def test_a_chief_without_a_team_sees_no_site_visits(client, session):
    chief = session.execute(select(User).where(User.username == "chief")).scalar_one()
    log_site_visit(session, chief, {"place": "银湖南路口现场办公", "issues": []})
    assert recent_site_visits(session, chief)  # the team's own chief sees it
    lone = create_user(session, "lonechief", PASSWORD, "chief")
    assert recent_site_visits(session, lone) == []
    places = ["银湖南路口现场办公"]
    client.post("/login", data={"username": "lonechief", "password": PASSWORD, "csrf_token": csrf_of(client, "/login")})
    page = client.get("/site-visits")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert not [p for p in places if p in html]
