"""GET /intake/nearby.json: the open issues near a point before filing, likely duplicates first, for the
reception roles only, with the field named on bad input."""

from __future__ import annotations

from sqlalchemy import text

from tests.maps.helpers import login

OPEN = "('reported', 'accepted', 'dispatched', 'in_progress')"


def _fumes(session):
    return session.execute(
        text(f"""SELECT i.ref, ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat FROM issues i
                 WHERE i.category = 'cooking_fumes' AND i.status IN {OPEN} ORDER BY i.ref LIMIT 1""")
    ).one()


def test_open_issues_near_the_point_are_listed_likely_duplicates_first(client, session):
    login(client, "clerk")
    issue = _fumes(session)
    r = client.get(
        "/intake/nearby.json", query_string={"lon": issue.lon, "lat": issue.lat, "category": "cooking_fumes"}
    )
    assert r.status_code == 200
    items = r.get_json()
    assert items[0]["ref"] == issue.ref and items[0]["likely"] is True and items[0]["distance_m"] == 0
    assert items[0]["url"] == f"/issues/{issue.ref}" and items[0]["category"] == "油烟"
    likely = [i["likely"] for i in items]
    assert likely == sorted(likely, reverse=True)  # every likely one before the others
    refs = "', '".join(i["ref"] for i in items)
    statuses = set(session.execute(text(f"SELECT status FROM issues WHERE ref IN ('{refs}')")).scalars())
    assert statuses <= {"reported", "accepted", "dispatched", "in_progress"}
    # another category: the same issues, none of them likely
    other = client.get("/intake/nearby.json", query_string={"lon": issue.lon, "lat": issue.lat, "category": "noise"})
    assert issue.ref in [i["ref"] for i in other.get_json() if not i["likely"]]


def test_nearby_needs_a_reception_role_and_good_input(client, session):
    issue = _fumes(session)
    assert client.get(f"/intake/nearby.json?lon={issue.lon}&lat={issue.lat}").status_code == 302
    login(client, "chief")
    assert client.get(f"/intake/nearby.json?lon={issue.lon}&lat={issue.lat}").status_code == 403
    client.post("/logout")
    login(client, "clerk")
    for query, field in (
        ("lon=x&lat=23.4", "lon"),
        ("lon=111.2&lat=95", "lat"),
        (f"lon={issue.lon}&lat={issue.lat}&category=zz", "category"),
    ):
        r = client.get("/intake/nearby.json?" + query, headers={"Accept": "application/json"})
        assert r.status_code == 400, (query, r.status_code)
        body = r.get_data(as_text=True)
        assert f'"field":"{field}"' in body.replace(" ", "") or f'data-field="{field}"' in body, body[:300]
