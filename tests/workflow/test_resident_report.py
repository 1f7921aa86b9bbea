"""/report: a resident files a problem without logging in; the answer is a reference to track at /p/<ref>.
Points are refused like intake, contact details stay off every public answer, a client is throttled."""

import io

import pytest
from PIL import Image
from sqlalchemy import text

from tests.factories import point_on
from tests.workflow.helpers import count, csrf_of
from tests.workflow.test_unlinked import _far_point

PHONE, EMAIL, NAME = "13912345678", "resident@example.cn", "王秀英"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def _report(client, lon, lat, **extra):
    data = {
        "csrf_token": csrf_of(client, "/report"),
        "category": "noise",
        "description": "深夜施工噪声，影响休息",
        "lon": str(lon),
        "lat": str(lat),
        **extra,
    }
    return client.post("/report", data=data, content_type="multipart/form-data")


def test_a_resident_report_is_filed_on_its_street_and_answered_with_its_reference(client, session, photo_dir):
    lon, lat = point_on(session, "银湖南路")
    before = count(session, "issues")
    res = _report(
        client,
        lon,
        lat,
        reporter_name=NAME,
        reporter_phone=PHONE,
        reporter_email=EMAIL,
        file=(io.BytesIO(_jpeg()), "IMG_0001.jpg"),
    )
    assert res.status_code == 302 and res.headers["Location"].startswith("/p/")
    ref = res.headers["Location"].rsplit("/", 1)[1]
    row = session.execute(
        text("""SELECT i.channel, i.status, i.reporter_phone, s.street_name, i.team_id,
                       (SELECT count(*) FROM photos p WHERE p.issue_id = i.id AND p.stage = 'before' AND NOT p.public)
                FROM issues i LEFT JOIN street_segments s ON s.id = i.segment_id WHERE i.ref = :r"""),
        {"r": ref},
    ).one()
    assert count(session, "issues") == before + 1
    assert row[:4] == ("web", "reported", PHONE, "银湖南路") and row[4] is not None and row[5] == 1
    page = client.get(res.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and ref in html and "请记下这个编号" in html  # the reference and what next
    public = client.get(f"/api/public/issues/{ref}").get_data(as_text=True)
    for secret in (NAME, PHONE, EMAIL, "深夜施工"):
        assert secret not in html and secret not in public


def test_the_form_shows_in_chinese_and_english(client, session):
    assert "我要反映问题" in client.get("/report").get_data(as_text=True)
    assert "Report a problem" in client.get("/report?lang=en").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lon", "lat", "field"),
    [("0", "0", "lon"), ("200", "23.4", "lon"), ("23.47", "111.28", "lon"), ("116.4", "39.9", "lon"), ("", "", "lon")],
)
def test_impossible_points_are_refused_naming_the_location(client, session, lon, lat, field):
    before = count(session, "issues")
    res = _report(client, lon, lat)
    assert res.status_code == 400, res.status_code
    assert f'data-field="{field}"' in res.get_data(as_text=True)
    assert count(session, "issues") == before


def test_a_pin_off_the_streets_asks_the_resident_then_waits_in_the_review_queue(client, session):
    lon, lat = _far_point(session)
    before = count(session, "issues")
    res = _report(client, lon, lat)
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and "请把标记移到问题所在的街上" in html and 'name="not_on_street"' in html
    assert count(session, "issues") == before
    res = _report(client, lon, lat, not_on_street="true")
    assert res.status_code == 302
    ref = res.headers["Location"].rsplit("/", 1)[1]
    owner, reason = session.execute(
        text("SELECT review_owner_id, unlinked_reason FROM issues WHERE ref = :r AND segment_id IS NULL"), {"r": ref}
    ).one()
    assert owner is not None and "not on a street" in reason


def test_a_bad_photo_refuses_the_whole_report(client, session, photo_dir):
    lon, lat = point_on(session, "银湖南路")
    before = count(session, "issues"), count(session, "photos")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    res = _report(client, lon, lat, file=(io.BytesIO(svg), "x.jpg"))
    assert res.status_code == 400 and 'data-field="file"' in res.get_data(as_text=True)
    assert (count(session, "issues"), count(session, "photos")) == before and not any(photo_dir.rglob("*"))


def test_without_a_csrf_token_nothing_is_filed(client, session):
    lon, lat = point_on(session, "银湖南路")
    before = count(session, "issues")
    res = client.post("/report", data={"category": "noise", "description": "x", "lon": lon, "lat": lat})
    assert res.status_code == 400 and count(session, "issues") == before


def test_a_client_is_throttled_after_a_few_reports_per_hour(app, client, session):
    lon, lat = point_on(session, "银湖南路")
    app.config["REPORTS_PER_HOUR"], saved = 2, app.config["REPORTS_PER_HOUR"]
    try:
        assert [_report(client, lon, lat).status_code for _ in range(2)] == [302, 302]
        before = count(session, "issues")
        res = _report(client, lon, lat)
        other_res = client.post(
            "/report",
            data={
                "csrf_token": csrf_of(client, "/report"),
                "category": "noise",
                "description": "x",
                "lon": lon,
                "lat": lat,
            },
            environ_base={"REMOTE_ADDR": "10.1.2.3"},
        )
    finally:
        app.config["REPORTS_PER_HOUR"] = saved
    assert res.status_code == 429 and int(res.headers["Retry-After"]) > 0
    assert "分钟后再试" in res.get_data(as_text=True) and count(session, "issues") == before + 1  # the other one
    assert other_res.status_code == 302  # another client is not held back


def test_the_pin_helpers_tell_street_and_distance_and_nothing_of_teams(client, session):
    lon, lat = point_on(session, "银湖南路")
    snap = client.get(f"/report/snap.json?lon={lon}&lat={lat}").get_json()
    assert snap["linked"] and set(snap["nearest"]) == {"street_name", "segment", "distance_m"}
    box = f"{lon - 0.002},{lat - 0.002},{lon + 0.002},{lat + 0.002}"
    streets = client.get(f"/report/streets.json?bbox={box}").get_json()
    assert streets["features"] and all(set(f["properties"]) == {"code", "street_name"} for f in streets["features"])
    assert client.get("/report/snap.json?lon=x&lat=1").status_code == 400


def test_the_public_map_has_a_lookup_box_that_opens_the_issue(client, session):
    html = client.get("/maps/public").get_data(as_text=True)
    assert 'id="map-lookup"' in html and 'action="/p"' in html
    res = client.get("/p?ref=dt-2020-00001")
    assert res.status_code == 302 and res.headers["Location"].endswith("/p/DT-2020-00001")
