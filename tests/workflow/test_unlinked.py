"""No silent loss: a point beyond the snap distance is refused until confirmed, waits in the review queue
with an owner, and leaves it when relocated (re-snapped, with an event)."""

from sqlalchemy import text

from tests.factories import point_on
from tests.workflow.helpers import count, csrf_of, login, post_form, token, version_of

FAR_OFF = 0.0016  # degrees of longitude (~160 m at 23.5° N): beyond the demo's 60 m snap distance


def _far_point(session):
    lon, lat = point_on(session, "银湖南路")
    for step in range(1, 40):  # walk east until no segment is within the snap distance
        cand = lon + FAR_OFF * step / 4
        near = session.execute(
            text("""SELECT min(ST_Distance(geom_m, ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), 4326), 32649)))
                    FROM street_segments WHERE retired_at IS NULL"""),
            {"x": cand, "y": lat},
        ).scalar()
        if near > 80:
            return cand, lat
    raise AssertionError("no far point found")


def _body(session, **extra):
    lon, lat = _far_point(session)
    return {"category": "noise", "description": "院子里噪声", "lon": lon, "lat": lat, "channel": "phone", **extra}


def test_far_point_is_refused_with_the_nearest_segment_and_nothing_stored(client, session):
    before = count(session, "issues")
    res = client.post("/api/issues", json=_body(session), headers=token(client, "clerk"))
    err = res.get_json()["error"]
    assert res.status_code == 422 and err["code"] == "no_segment" and err["field"] == "lon"
    assert err["nearest"]["street_name"] and err["nearest"]["distance_m"] > 60 and err["snap_max_m"] == 60
    assert count(session, "issues") == before
    # confirmed without a reason: 400 naming the reason
    res = client.post("/api/issues", json=_body(session, confirm_unlinked=True), headers=token(client, "clerk"))
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "unlinked_reason"
    assert count(session, "issues") == before


def test_messages_follow_the_request_language(client, session):
    res = client.post(
        "/api/issues", json=_body(session), headers={**token(client, "clerk"), "Accept-Language": "zh-CN"}
    )
    assert res.status_code == 422
    assert "米" in res.get_json()["error"]["message"]


def test_confirmed_issue_waits_in_the_review_queue_until_relocated(client, session):
    res = client.post(
        "/api/issues",
        json=_body(session, confirm_unlinked=True, unlinked_reason="小区内部道路，不在街道上"),
        headers=token(client, "clerk"),
    )
    assert res.status_code == 201, res.get_json()
    issue = res.get_json()
    ref = issue["properties"]["ref"] if "properties" in issue else issue["ref"]
    row = session.execute(
        text("""SELECT i.segment_id, i.team_id, i.unlinked_reason, u.role FROM issues i
                LEFT JOIN users u ON u.id = i.review_owner_id WHERE i.ref = :r"""),
        {"r": ref},
    ).one()
    assert row.segment_id is None and row.team_id is None and row.unlinked_reason and row.role == "admin"

    for who in ("admin", "secretary"):
        queue = client.get("/api/issues?unlinked=true", headers=token(client, who)).get_json()
        assert ref in [f["id"] for f in queue["features"]], who
        assert all(f["properties"]["segment"] is None for f in queue["features"])
    assert ref not in [
        f["id"] for f in client.get("/api/issues", headers=token(client, "chief")).get_json()["features"]
    ]

    lon, lat = point_on(session, "银湖南路")
    hdr = token(client, "secretary")
    ver = version_of(session, ref)
    # bad input: 400 naming the field, nothing changed
    bad = client.post(
        f"/api/issues/{ref}/actions", json={"action": "relocate", "version": ver, "lon": "x", "lat": lat}, headers=hdr
    )
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "lon"
    # out of scope: a chief cannot move an issue that is not his team's
    res = client.post(
        f"/api/issues/{ref}/actions",
        json={"action": "relocate", "version": ver, "lon": lon, "lat": lat},
        headers=token(client, "chief"),
    )
    assert res.status_code == 403
    res = client.post(
        f"/api/issues/{ref}/actions", json={"action": "relocate", "version": ver, "lon": lon, "lat": lat}, headers=hdr
    )
    assert res.status_code == 200, res.get_json()
    moved = session.execute(
        text("""SELECT s.street_name, t.code AS team, i.review_owner_id, i.unlinked_reason FROM issues i
                JOIN street_segments s ON s.id = i.segment_id JOIN teams t ON t.id = i.team_id WHERE i.ref = :r"""),
        {"r": ref},
    ).one()
    assert (moved.street_name, moved.team, moved.review_owner_id, moved.unlinked_reason) == (
        "银湖南路",
        "T-YHNL",
        None,
        None,
    )
    event = session.execute(
        text(
            "SELECT e.data FROM issue_events e JOIN issues i ON i.id = e.issue_id"
            " WHERE i.ref = :r AND e.action = 'relocate'"
        ),
        {"r": ref},
    ).scalar_one()
    assert event["linked"] and event["street_name"] == "银湖南路" and event["from"] != event["to"]
    queue = client.get("/api/issues?unlinked=true", headers=token(client, "admin")).get_json()
    assert ref not in [f["id"] for f in queue["features"]]
    # the chief now sees it; relocating a closed issue would be an illegal move
    assert ref in [
        f["id"]
        for f in client.get("/api/issues?per_page=200&status=reported", headers=token(client, "chief")).get_json()[
            "features"
        ]
    ]


def test_relocate_on_a_closed_issue_is_an_illegal_move(client, session):
    ref = session.execute(text("SELECT ref FROM issues WHERE status = 'closed' ORDER BY id LIMIT 1")).scalar()
    lon, lat = point_on(session, "银湖南路")
    res = client.post(
        f"/api/issues/{ref}/actions",
        json={"action": "relocate", "version": version_of(session, ref), "lon": lon, "lat": lat},
        headers=token(client, "admin"),
    )
    assert res.status_code == 422 and res.get_json()["error"]["code"] == "illegal_transition"


def test_intake_page_shows_where_a_point_goes_and_requires_the_confirmation(client, session):
    login(client, "clerk")
    near_lon, near_lat = point_on(session, "银湖南路")
    preview = client.get(f"/intake/snap.json?lon={near_lon}&lat={near_lat}").get_json()
    assert (
        preview["linked"] and preview["nearest"]["street_name"] == "银湖南路" and preview["nearest"]["team"] == "T-YHNL"
    )
    lon, lat = _far_point(session)
    far = client.get(f"/intake/snap.json?lon={lon}&lat={lat}").get_json()
    assert not far["linked"] and far["nearest"]["distance_m"] > 60

    res = post_form(client, "/intake", "/intake/visits", {"people": "1", "topics": "院内噪声"})
    page = res.headers["Location"]
    form = {"category": "noise", "description": "院内噪声", "lon": lon, "lat": lat}
    before = count(session, "issues")
    res = post_form(client, page, f"{page}/issues", form)
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and "field-error" in html and "confirm_unlinked" in html
    assert count(session, "issues") == before
    res = post_form(
        client,
        page,
        f"{page}/issues",
        {**form, "confirm_unlinked": "true", "unlinked_reason": "小区内部"},
        follow_redirects=True,
    )
    assert res.status_code == 200 and count(session, "issues") == before + 1
    # the confirmation after filing says where it went
    res = post_form(client, page, f"{page}/issues", {**form, "lon": near_lon, "lat": near_lat}, follow_redirects=True)
    html = res.get_data(as_text=True)
    assert "银湖南路" in html and csrf_of(client, page)


def test_review_page_lists_unlinked_issues_and_the_issue_page_relocates(client, session):
    res = client.post(
        "/api/issues",
        json=_body(session, confirm_unlinked=True, unlinked_reason="河边空地 <script>x</script>"),
        headers=token(client, "clerk"),
    )
    assert res.status_code == 400  # markup in the reason is refused like any text field
    res = client.post(
        "/api/issues",
        json=_body(session, confirm_unlinked=True, unlinked_reason="河边空地"),
        headers=token(client, "clerk"),
    )
    ref = res.get_json()["id"]
    login(client, "chief")
    assert client.get("/review").status_code == 403
    login(client, "secretary")
    html = client.get("/review").get_data(as_text=True)
    assert ref in html and "河边空地" in html and "admin" in html
    lon, lat = point_on(session, "银湖南路")
    res = post_form(
        client,
        f"/issues/{ref}",
        f"/issues/{ref}/actions",
        {"action": "relocate", "version": version_of(session, ref), "lon": lon, "lat": lat},
    )
    assert res.status_code == 302, res.get_data(as_text=True)[:500]
    assert f">{ref}</a>" not in client.get("/review").get_data(as_text=True)
    res = client.get("/issues/nope-404")
    page = res.get_data(as_text=True)
    assert res.status_code == 404 and "未找到" in page and "<nav" in page  # inside the normal layout
