"""Malformed geography fails with a message naming file, feature and field, and stores nothing."""

import json

import pytest
from sqlalchemy import text

from geo_app.domain.importers import geography
from geo_app.domain.importers.geojson_layers import ImportFailed

GOOD = {
    "type": "Feature",
    "properties": {"code": "T-1", "street_name": "测试路"},
    "geometry": {"type": "LineString", "coordinates": [[111.281, 23.481], [111.282, 23.482]]},
}


def _write(tmp_path, features, name="streets.geojson", **extra):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}), encoding="utf-8")
    return path


def _bad(geometry=None, **props):
    feature = json.loads(json.dumps(GOOD))
    feature["properties"].update(props)
    feature["properties"]["code"] = "T-2"
    if geometry is not None:
        feature["geometry"] = geometry
    return feature


@pytest.mark.parametrize(
    "feature,field,words",
    [
        (_bad({"type": "Point", "coordinates": [111.28, 23.48]}), "geometry", "expected LineString"),
        (_bad({"type": "LineString", "coordinates": []}), "geometry", "empty"),
        (_bad({"type": "LineString", "coordinates": [[12388000, 2690000], [12389000, 2691000]]}), "geometry", "CRS"),
        (_bad({"type": "LineString", "coordinates": [[111.28, 23.48]]}), "geometry", "malformed"),
        (_bad(street_name=None), "street_name", "missing"),
    ],
)
def test_bad_feature_is_named_and_nothing_is_stored(session, tmp_path, feature, field, words):
    path = _write(tmp_path, [GOOD, feature])
    before = session.execute(text("SELECT count(*) FROM street_segments")).scalar()
    with pytest.raises(ImportFailed) as err:
        geography.load_streets(session, path)
    message = err.value.message
    assert "streets.geojson" in message and "feature 1" in message and field in message and words in message
    assert err.value.field == field
    assert session.execute(text("SELECT count(*) FROM street_segments")).scalar() == before


def test_invalid_polygon_and_wrong_declared_crs(session, tmp_path):
    bowtie = {
        "type": "Feature",
        "properties": {"code": "B", "name": "bowtie", "level": "community"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[111.28, 23.48], [111.29, 23.49], [111.29, 23.48], [111.28, 23.49], [111.28, 23.48]]],
        },
    }
    with pytest.raises(ImportFailed, match=r"areas.geojson: feature 0 \(code=B\): geometry: invalid"):
        geography.load_areas(session, _write(tmp_path, [bowtie], "areas.geojson"))
    crs = {"type": "name", "properties": {"name": "EPSG:3857"}}
    with pytest.raises(ImportFailed, match="crs"):
        geography.load_streets(session, _write(tmp_path, [GOOD], crs=crs))
    not_json = tmp_path / "broken.geojson"
    not_json.write_text("{ nope", encoding="utf-8")
    with pytest.raises(ImportFailed, match="broken.geojson: file"):
        geography.load_streets(session, not_json)


def test_good_file_loads_once(session, tmp_path):
    path = _write(tmp_path, [GOOD])
    assert geography.load_streets(session, path) == 1
    assert geography.load_streets(session, path) == 0
    length = session.execute(text("SELECT length_m FROM street_segments WHERE code = 'T-1'")).scalar()
    assert 140 < length < 160  # ~0.001° in each direction at 23.48° N is about 149 m
