"""/p/<ref> and GET /api/public/issues/<ref>: a resident sees the steps and published photos, never personal data."""

from sqlalchemy import text

from tests.factories import new_issue
from tests.workflow.helpers import token

SECRETS = ("秘密张三", "13912345678", "secret@example.org", "私密描述", "私密备注", "chief")


def test_public_page_shows_steps_and_leaks_nothing(client, session):
    issue = new_issue(
        session,
        description="私密描述 的内容",
        reporter_name="秘密张三",
        reporter_phone="13912345678",
        reporter_email="secret@example.org",
    )
    session.commit()
    ref = issue.ref
    res = client.post(
        f"/api/issues/{ref}/actions",
        json={"action": "accept", "version": 1, "note": "私密备注"},
        headers=token(client, "chief"),
    )
    assert res.status_code == 200
    lon_lat = session.execute(
        text("SELECT ST_X(geom)::text, ST_Y(geom)::text FROM issues WHERE ref = :r"), {"r": ref}
    ).one()
    page = client.get(f"/p/{ref}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and ref in html and "银湖南路" in html and "已受理" in html
    body = client.get(f"/api/public/issues/{ref}")
    data = body.get_data(as_text=True)
    assert body.status_code == 200 and body.get_json()["status"] == "accepted"
    for leak in (*SECRETS, lon_lat[0][:9], lon_lat[1][:8]):
        assert leak not in html.split("<main>")[1] and leak not in data, leak
    assert client.get(f"/p?ref={ref.lower()}").headers["Location"].endswith(f"/p/{ref}")
    assert client.get("/p/DT-9999-99999").status_code == 404
    assert client.get("/api/public/issues/" + "x" * 60).status_code == 404
