"""Impossible positions are refused at every way in (API, page, Open311, import) with their reason."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import text

from tests import factories
from tests.workflow.helpers import counts, token

ON_STREET = (111.2786, 23.4755)  # 银湖南路, inside the demo's areas


def _cases():
    lon, lat = ON_STREET
    return [
        ("zero", {"lon": 0.0, "lat": 0.0}, "lon", "0,0"),
        ("polar", {"lon": lon, "lat": 86.0}, "lat", "85"),
        ("swapped out of range", {"lon": lat, "lat": lon}, "lon", "swapped"),
        ("outside", {"lon": 116.39, "lat": 39.9}, "lon", "outside the service area"),
        ("far away on the equator", {"lon": lon, "lat": 0.0}, "lon", "outside the service area"),
    ]


@pytest.mark.parametrize("name,change,field,word", _cases(), ids=[c[0] for c in _cases()])
def test_api_intake_refuses_impossible_positions(client, session, name, change, field, word):
    lon, lat = factories.point_on(session)
    body = {"category": "noise", "description": "夜间施工噪声", "lon": lon, "lat": lat, "channel": "phone"}
    before = counts(session)
    res = client.post("/api/issues", headers=token(client, "clerk"), json={**body, **change})
    assert res.status_code == 400, res.get_json()
    error = res.get_json()["error"]
    assert error["field"] == field and word in error["message"]
    assert counts(session) == before


def test_a_swap_inside_the_latitude_range_is_named_too(session):
    """Where both orders are valid coordinates (a place near the equator's latitudes of its longitude), the
    swap is told from a plain outside point by testing the swapped point against the service area."""
    from geo_app.domain.core import positions
    from geo_app.domain.errors import ValidationError

    session.execute(
        text("""INSERT INTO admin_areas (code, name, level, geom) VALUES ('EQ', 'equatorial test', 'community',
        ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(40.0, 20.0), 4326), 0.5)))""")
    )
    with pytest.raises(ValidationError, match="swapped") as err:
        positions.parse(session, 20.0, 40.0)
    assert err.value.field == "lon" and err.value.code == "swapped"
    assert positions.parse(session, 40.0, 20.0) == (40.0, 20.0)
    with pytest.raises(ValidationError, match="outside"):
        positions.parse(session, 21.0, 44.0)


def test_open311_names_the_long_field_of_a_swap(client, session):
    lon, lat = ON_STREET
    form = {"api_key": "demo-open311-key", "service_code": "noise", "description": "吵", "lat": lon, "long": lat}
    res = client.post("/open311/v2/requests.json", data=form)
    assert res.status_code == 400
    assert "swapped" in res.get_json()[0]["description"] and "long" in res.get_json()[0]["description"]


def test_import_rejects_impossible_rows_with_their_reasons(runner, session, tmp_path):
    lon, lat = factories.point_on(session)
    path = tmp_path / "pos.csv"
    rows = {
        "PS-2021-00001": (lon, lat, None),
        "PS-2021-00002": (0, 0, "0,0"),
        "PS-2021-00003": (lat, lon, "swapped"),
        "PS-2021-00004": (lon, 88.0, "85"),
        "PS-2021-00005": (-118.25, 34.05, "outside the service area"),
    }
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["ref", "category", "description", "lon", "lat", "channel", "reported_at"])
        for ref, (x, y, _) in rows.items():
            out.writerow([ref, "noise", "测试", x, y, "phone", "2021-03-02T09:00:00+08:00"])
    result = runner.invoke(args=["import-issues", str(path)])
    assert result.exit_code == 0, result.output
    assert "inserted 1" in result.output and "rejected 4" in result.output
    with open(tmp_path / "pos.rejected.csv", newline="", encoding="utf-8") as f:
        rejected = {r["ref"]: r["reason"] for r in csv.DictReader(f)}
    for ref, (_, _, word) in rows.items():
        if word is None:
            assert ref not in rejected
        else:
            assert word in rejected[ref], (ref, rejected[ref])
    stored = session.execute(text("SELECT ref FROM issues WHERE ref LIKE 'PS-%'")).scalars().all()
    assert stored == ["PS-2021-00001"]


def test_the_rejected_file_lists_every_reason_of_a_row(runner, session, tmp_path):
    path = tmp_path / "many.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["ref", "category", "description", "lon", "lat", "channel", "reported_at"])
        out.writerow(["MR-2021-00001", "ufo", "<script>x</script>", 0, 0, "pigeon", "yesterday-ish"])
    assert runner.invoke(args=["import-issues", str(path), "--no-progress"]).exit_code == 0
    with open(tmp_path / "many.rejected.csv", newline="", encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    reason = row["reason"]
    for word in ("category", "0,0", "reported_at", "channel", "description"):
        assert word in reason, (word, reason)
    assert "outside the service area" not in reason  # one reason per group: 0,0 says it all
