"""GET /api/public/issues: solved issues only, no personal data, placed at the segment midpoint."""

from __future__ import annotations

import pytest
from flask_babel import refresh
from sqlalchemy import text

from tests.maps.helpers import PERSONAL_NAME, PERSONAL_PHONE, seed_personal


def test_only_solved_issues_with_public_fields_at_segment_midpoints(client, session):
    seed_personal(session)
    r = client.get("/api/public/issues?limit=5000")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    for secret in (PERSONAL_NAME, PERSONAL_PHONE, "script", "reporter", "description", "DT-2020-"):
        assert secret not in body
    data = r.get_json()
    solved = session.execute(
        text("""SELECT count(*) FROM issues WHERE status IN ('resolved', 'verified', 'closed')
                                      AND segment_id IS NOT NULL""")
    ).scalar()
    assert len(data["features"]) == solved and data["next_offset"] is None
    mids = {
        code: (round(x, 6), round(y, 6))
        for code, x, y in session.execute(
            text(
                "SELECT code, ST_X(ST_LineInterpolatePoint(geom, 0.5)), ST_Y(ST_LineInterpolatePoint(geom, 0.5)) "
                "FROM street_segments"
            )
        )
    }
    for f in data["features"]:
        assert set(f["properties"]) == {"category", "category_name", "resolved_on", "segment", "street"}
        assert tuple(f["geometry"]["coordinates"]) == mids[f["properties"]["segment"]]


def test_filters_and_paging(client, session):
    expected = session.execute(
        text("""SELECT count(*) FROM issues WHERE category = 'noise'
        AND status IN ('resolved', 'verified', 'closed') AND resolved_at >= '2020-06-01T00:00+08:00'
        AND resolved_at < '2020-09-01T00:00+08:00'""")
    ).scalar()
    data = client.get("/api/public/issues?category=noise&start=2020-06-01&end=2020-08-31").get_json()
    assert len(data["features"]) == expected > 0
    assert {f["properties"]["category"] for f in data["features"]} == {"noise"}
    page1 = client.get("/api/public/issues?limit=10").get_json()
    page2 = client.get(f"/api/public/issues?limit=10&offset={page1['next_offset']}").get_json()
    assert len(page1["features"]) == 10 and page1["next_offset"] == 10 and page2["features"]
    w, s, e, n = session.execute(
        text("""SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
        FROM (SELECT ST_Extent(geom) b FROM street_segments WHERE street_name = '银湖南路') q""")
    ).one()
    boxed = client.get(f"/api/public/issues?bbox={w},{s},{e},{n}&limit=5000").get_json()["features"]
    assert boxed and all(w <= f["geometry"]["coordinates"][0] <= e for f in boxed)
    refresh()  # the test's one app context caches Flask-Babel's locale
    en = client.get("/api/public/issues?category=noise&lang=en&limit=1").get_json()["features"][0]
    assert (
        en["properties"]["category_name"]
        == session.execute(text("SELECT name_en FROM categories WHERE code = 'noise'")).scalar()
    )


@pytest.mark.parametrize(
    "query, field",
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=10,10,5,5", "bbox"),
        ("bbox=0,0,200,10", "bbox"),
        ("category=unknown", "category"),
        ("start=2020-02-30", "start"),
        ("start=2020-06-02&end=2020-06-01", "end"),
        ("limit=0", "limit"),
        ("limit=999999", "limit"),
        ("offset=-1", "offset"),
        ("limit=ten", "limit"),
    ],
)
def test_bad_input_is_400_naming_the_field(client, query, field):
    r = client.get(f"/api/public/issues?{query}")
    assert r.status_code == 400
    assert r.get_json()["error"]["field"] == field
