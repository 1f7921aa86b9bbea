"""GET /api/search: Chinese by prefix and substring, pinyin initials and spellings, segment codes, issue
references within the caller's scope, and nothing but streets, compounds and halls for anonymous callers."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from geo_app.domain.maps import search_keys
from tests.maps.helpers import login
from tests.workflow.helpers import token


def _search(client, q, **kw):
    r = client.get("/api/search", query_string={"q": q}, **kw)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.get_json()


def _inside(bbox, lon, lat):
    return bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


@pytest.mark.parametrize("q", ["银湖南路", "银湖", "湖南", "yhnl", "YHNL", "yinhunan", "yhn"])
def test_a_street_is_found_by_name_part_initials_and_spelling(client, session, q):
    found = _search(client, q)
    first = found[0]
    if q in ("银湖", "湖南"):  # also 银湖北路: both in the first two
        first = next(r for r in found[:2] if r["label"] == "银湖南路")
    assert first["kind"] == "street" and first["label"] == "银湖南路" and first["code"] == "银湖南路"
    # the bbox is the extent of the street's segments
    w, s, e, n = session.execute(
        text(
            "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT ST_Extent(geom) b "
            "FROM street_segments WHERE street_name = '银湖南路') q"
        )
    ).one()
    assert first["bbox"] == pytest.approx([w, s, e, n], abs=1e-5)


def test_exact_and_prefix_matches_rank_before_substrings(client):
    found = _search(client, "银湖")
    labels = [r["label"] for r in found]
    assert set(labels[:2]) == {"银湖南路", "银湖北路"}


def test_anonymous_callers_find_streets_compounds_and_halls_only(client, session):
    ref = session.execute(text("SELECT ref FROM issues ORDER BY id LIMIT 1")).scalar_one()
    code = session.execute(text("SELECT code FROM street_segments ORDER BY code LIMIT 1")).scalar_one()
    for q in (ref, code, code[:3], "社区", "丰业", "fy", "长洲"):
        for r in _search(client, q):
            assert r["kind"] in {"street", "compound", "hall"}, (q, r)
            assert "ref" not in r
    assert any(r["kind"] == "compound" for r in _search(client, "兴安"))
    assert any(r["kind"] == "hall" for r in _search(client, "接待厅"))


def test_staff_find_segment_codes_and_areas(client, session):
    login(client, "clerk")
    code = session.execute(
        text("SELECT code FROM street_segments WHERE street_name = '银湖南路' ORDER BY code LIMIT 1")
    ).scalar_one()
    found = _search(client, code.lower())
    assert found[0] == {**found[0], "kind": "segment", "code": code}
    lon, lat = session.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM "
            "(SELECT ST_LineInterpolatePoint(geom, .5) p FROM street_segments WHERE code = :c) q"
        ),
        {"c": code},
    ).one()
    assert _inside(found[0]["bbox"], lon, lat)
    # the street's initials are the codes' prefix too: the street comes first
    assert _search(client, "yhnl")[0]["kind"] == "street"
    assert any(r["kind"] == "area" for r in _search(client, "丰业社区"))


def test_issue_references_are_found_within_the_callers_scope_only(client, session):
    own = session.execute(
        text("""SELECT i.ref FROM issues i JOIN team_segments ts ON ts.segment_id = i.segment_id
                JOIN teams t ON t.id = ts.team_id WHERE t.code = 'T-YHNL' ORDER BY i.id LIMIT 1""")
    ).scalar_one()
    other = session.execute(
        text("""SELECT i.ref FROM issues i WHERE i.segment_id IS NOT NULL AND NOT EXISTS (
                  SELECT 1 FROM team_segments ts JOIN teams t ON t.id = ts.team_id
                  WHERE ts.segment_id = i.segment_id AND t.code = 'T-YHNL')
                AND i.team_id IS DISTINCT FROM (SELECT id FROM teams WHERE code = 'T-YHNL') ORDER BY i.id LIMIT 1""")
    ).scalar_one()
    headers = token(client, "chief")
    hit = _search(client, own.lower(), headers=headers)[0]
    assert hit["kind"] == "issue" and hit["ref"] == own and hit["bbox"][0] == hit["bbox"][2]
    assert set(hit) <= {"kind", "label", "ref", "bbox", "detail"}  # no description, no reporter
    assert not [r for r in _search(client, other, headers=headers) if r["kind"] == "issue"]
    assert _search(client, other, headers=token(client, "planner"))[0]["ref"] == other


def test_new_names_get_their_pinyin_keys_before_a_search(client, session):
    session.execute(
        text("""INSERT INTO compounds (code, name, households, residents, geom) VALUES ('CHY', '翠湖苑', 10, 20,
                ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(111.28, 23.48), 4326), 0.0005)))""")
    )
    assert search_keys.pending(session)
    found = _search(client, "chy")
    assert found[0]["label"] == "翠湖苑" and found[0]["kind"] == "compound"
    assert not search_keys.pending(session)


def test_keys_cover_every_reading_of_a_polyphone():
    keys = search_keys.name_keys("长洲区").split()
    assert "czq" in keys and "changzhouqu" in keys and "zzq" in keys
    assert search_keys.name_keys("新兴1路").split()[0] == "xx1l"


@pytest.mark.parametrize(
    "args, field",
    [
        ({}, "q"),
        ({"q": "  "}, "q"),
        ({"q": "x" * 61}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"q": "a", "limit": "0"}, "limit"),
        ({"q": "a", "limit": "x"}, "limit"),
    ],
)
def test_bad_queries_answer_400_naming_the_field(client, args, field):
    r = client.get("/api/search", query_string=args)
    assert r.status_code == 400
    assert r.get_json()["error"]["field"] == field


def test_wildcards_are_taken_literally(client):
    assert _search(client, "%") == [] and _search(client, "_") == []


def test_the_message_follows_the_language(client):
    r = client.get("/api/search?q=&lang=zh")
    assert "搜索" in r.get_json()["error"]["message"]
