"""Open311 as a client abroad meets it: its language (Accept-Language or `locale`), a request's own time and
picture kept on POST, and a description and media_url returned only once staff publish the issue."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from tests.interop.test_open311 import BASE, _form
from tests.workflow.helpers import login, post_form, token, version_of

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


def test_an_english_client_gets_english_without_asking_twice(client):
    services = client.get(f"{BASE}/services.json", headers=ENGLISH)
    assert services.headers["Content-Language"] == "en" and "Accept-Language" in services.headers["Vary"]
    names = {s["service_code"]: s["service_name"] for s in services.get_json()}
    assert names["noise"] == "Noise"
    assert "Datang Subdistrict" in client.get(f"{BASE}/discovery.json", headers=ENGLISH).get_json()["contact"]
    by_locale = client.get(f"{BASE}/services.xml?locale=en_US")
    assert by_locale.headers["Content-Type"] == "text/xml" and b"<service_name>Noise</service_name>" in by_locale.data
    (req,) = client.get(
        f"{BASE}/requests.json?status=closed&start_date=2020-05-01T00:00:00Z", headers=ENGLISH
    ).get_json()[:1]
    assert req["status_notes"].startswith(("closed", "resolved", "resolution"))
    # nothing remembered: the next client without a language is answered in Chinese
    plain = client.get(f"{BASE}/services.json")
    assert plain.headers["Content-Language"] == "zh"
    assert {s["service_code"]: s["service_name"] for s in plain.get_json()}["noise"] == "噪声"
    assert "大塘街道" in client.get(f"{BASE}/discovery.json").get_json()["contact"]


def test_post_keeps_the_clients_time_and_picture_shown_once_staff_publish(client, session):
    asked = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    picture = "https://img.example.org/p/123.jpg"
    form = _form(session, requested_datetime=asked.isoformat(), media_url=picture)
    res = client.post(f"{BASE}/requests.json", data=form)
    assert res.status_code == 200, res.get_data(as_text=True)
    ref = res.get_json()[0]["service_request_id"]
    stored = session.execute(text("SELECT reported_at, media_url FROM issues WHERE ref = :r"), {"r": ref}).one()
    assert stored == (asked, picture)
    (back,) = client.get(f"{BASE}/requests/{ref}.json").get_json()
    assert back["description"] == "" and back["media_url"] == ""  # the demo publishes nothing by default
    assert datetime.fromisoformat(back["requested_datetime"]) == asked

    staff = token(client, "staff")  # a department that was not summoned: not theirs to publish
    refused = client.post(
        f"/api/issues/{ref}/actions", json={"action": "publish", "public": True, "version": 1}, headers=staff
    )
    assert refused.status_code == 403
    admin = token(client, "admin")
    done = client.post(
        f"/api/issues/{ref}/actions",
        json={"action": "publish", "public": True, "version": version_of(session, ref)},
        headers=admin,
    )
    assert done.status_code == 200, done.get_json()
    assert client.get(f"/api/issues/{ref}", headers=admin).get_json()["properties"]["public"] is True
    (back,) = client.get(f"{BASE}/requests/{ref}.json").get_json()
    assert back["description"] == "车辆堵住消防通道" and back["media_url"] == picture
    xml = client.get(f"{BASE}/requests/{ref}.xml").get_data(as_text=True)
    assert "<media_url>https://img.example.org/p/123.jpg</media_url>" in xml
    assert not any(p in xml for p in ("小明", "wang@", "9999", "桂D12345"))  # never the reporter, nor the plate

    withdrawn = client.post(
        f"/api/issues/{ref}/actions",
        json={"action": "publish", "public": False, "version": version_of(session, ref)},
        headers=admin,
    )
    assert withdrawn.status_code == 200
    assert client.get(f"{BASE}/requests/{ref}.json").get_json()[0]["description"] == ""


def test_bad_time_and_picture_are_refused_naming_the_field(client, session):
    before = session.execute(text("SELECT count(*) FROM issues")).scalar()
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    for over, field in (
        ({"requested_datetime": future}, "requested_datetime"),
        ({"requested_datetime": "yesterday"}, "requested_datetime"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"media_url": "https://x.example/" + "a" * 1000}, "media_url"),
    ):
        res = client.post(f"{BASE}/requests.json", data=_form(session, **over))
        assert res.status_code == 400 and field in res.get_json()[0]["description"], (over, res.get_json())
    assert session.execute(text("SELECT count(*) FROM issues")).scalar() == before


def test_a_deployment_may_publish_by_default(client, session):
    admin = token(client, "admin")
    assert client.get("/api/deployment").get_json()["public_by_default"] is False  # the demo's default
    bad = client.patch("/api/deployment", json={"public_by_default": "yes"}, headers=admin)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "public_by_default"
    changed = client.patch("/api/deployment", json={"public_by_default": True}, headers=admin)
    assert changed.status_code == 200 and changed.get_json()["public_by_default"] is True
    ref = client.post(f"{BASE}/requests.json", data=_form(session)).get_json()[0]["service_request_id"]
    assert client.get(f"{BASE}/requests/{ref}.json").get_json()[0]["description"] == "车辆堵住消防通道"
    session.execute(text("UPDATE issues SET public = false WHERE ref = :r"), {"r": ref})  # staff withdrew it
    assert client.get(f"{BASE}/requests/{ref}.json").get_json()[0]["description"] == ""


def test_the_issue_page_publishes_with_one_button(client, session):
    ref = client.post(f"{BASE}/requests.json", data=_form(session)).get_json()[0]["service_request_id"]
    login(client, "admin")
    page = client.get(f"/issues/{ref}?lang=en").get_data(as_text=True)
    assert 'data-act="publish"' in page and "Publish the description on Open311" in page
    res = post_form(
        client,
        f"/issues/{ref}",
        f"/issues/{ref}/actions",
        {"action": "publish", "public": "true", "version": version_of(session, ref)},
    )
    assert res.status_code in (200, 302), (
        res.status_code,
        re.findall(r"class=\"(?:flash|error)[^>]*>([^<]*)", res.get_data(as_text=True)),
    )
    assert client.get(f"{BASE}/requests/{ref}.json").get_json()[0]["description"] == "车辆堵住消防通道"
    assert "Withdraw the description from Open311" in client.get(f"/issues/{ref}?lang=en").get_data(as_text=True)
