"""Snapping agrees with an independent shapely computation in the metric CRS, point for point."""

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString
from sqlalchemy import text

from geo_app.domain.core import snapping
from geo_app.domain.workflow.intake import IntakeSettings, create_issue

TO_M = Transformer.from_crs(4326, 32649, always_xy=True)
TO_LL = Transformer.from_crs(32649, 4326, always_xy=True)
ORIGIN = TO_M.transform(111.36, 23.56)  # ~10 km from the demo district, in UTM 49N
MAX_M = 60.0


def _grid(session, n=8, step=150.0):
    """Insert an n×n street grid (slightly sheared) in metres; return {segment_id: LineString in metres}."""
    x0, y0 = ORIGIN
    corners = [TO_LL.transform(x0 + dx, y0 + dy) for dx, dy in ((-500, -500), (3000, -500), (3000, 3000), (-500, 3000))]
    session.execute(
        text("""INSERT INTO admin_areas (code, name, level, geom)
                            VALUES ('GRID', 'grid town', 'district', ST_Multi(ST_GeomFromText(:w, 4326)))"""),
        {"w": shapely.Polygon(corners).wkt},
    )
    segments = {}
    k = 0
    for i in range(n + 1):
        for j in range(n):
            for a, b in (
                ((x0 + i * step + j * 7, y0 + j * step), (x0 + i * step + (j + 1) * 7, y0 + (j + 1) * step)),
                ((x0 + j * step + i * 7, y0 + i * step), (x0 + (j + 1) * step + i * 7, y0 + i * step)),
            ):
                ll = [TO_LL.transform(*a), TO_LL.transform(*b)]
                k += 1
                seg_id = session.execute(
                    text("""
                    INSERT INTO street_segments (code, street_name, geom)
                    VALUES (:c, 'grid', ST_GeomFromText(:w, 4326)) RETURNING id"""),
                    {"c": f"GRID-{k}", "w": LineString(ll).wkt},
                ).scalar()
                # the reference geometry is the stored one, projected independently by pyproj
                segments[seg_id] = LineString([TO_M.transform(*p) for p in ll])
    return segments


def _expected(segments, points_m):
    ids = np.array(list(segments))
    tree = shapely.STRtree(list(segments.values()))
    out = []
    for p in points_m:
        dists = shapely.distance(tree.geometries, p)
        best = np.lexsort((ids, np.round(dists, 6)))[0]
        out.append((int(ids[best]), float(dists[best])) if dists[best] <= MAX_M else (None, None))
    return out


def test_nearest_segment_matches_shapely_for_every_point(session):
    segments = _grid(session)
    rng = np.random.default_rng(7)
    x0, y0 = ORIGIN
    xy = rng.uniform([x0 - 150, y0 - 150], [x0 + 1350, y0 + 1350], size=(400, 2))
    points_m = [shapely.Point(x, y) for x, y in xy]
    expected = _expected(segments, points_m)
    assert sum(1 for e in expected if e[0] is None) > 5, "some points should lie beyond the snap distance"
    for (x, y), (seg, dist) in zip(xy, expected, strict=False):
        lon, lat = TO_LL.transform(x, y)
        snap = snapping.nearest_segment(session, lon, lat, MAX_M)
        assert snap.segment_id == seg
        if seg is not None:
            assert abs(snap.distance_m - dist) < 0.01


def test_bulk_snapping_agrees_with_single_point_snapping(session):
    segments = _grid(session, n=5)
    rng = np.random.default_rng(11)
    x0, y0 = ORIGIN
    xy = rng.uniform([x0 - 100, y0 - 100], [x0 + 850, y0 + 850], size=(150, 2))
    ids = []
    for x, y in xy:
        lon, lat = TO_LL.transform(x, y)
        ids.append(
            session.execute(
                text("""
            INSERT INTO issues (ref, category, description, geom, channel, reported_at)
            VALUES ('T-' || gen_random_uuid(), 'noise', 'x', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'web', now())
            RETURNING id"""),
                {"lon": lon, "lat": lat},
            ).scalar()
        )
    snapping.snap_issues_in_bulk(session, MAX_M, "SELECT unnest(CAST(:ids AS bigint[]))", {"ids": ids})
    stored = dict(session.execute(text("SELECT id, segment_id FROM issues WHERE id = ANY(:ids)"), {"ids": ids}).all())
    expected = _expected(segments, [shapely.Point(x, y) for x, y in xy])
    assert [stored[i] for i in ids] == [e[0] for e in expected]


def test_far_issue_is_kept_and_flagged_unlinked(session):
    _grid(session, n=2)
    x0, y0 = ORIGIN
    lon, lat = TO_LL.transform(x0 + 75, y0 + 75 + 0.0)  # centre of a 150 m block: 75 m from every street
    issue = create_issue(
        session,
        {
            "category": "noise",
            "description": "far from any street",
            "lon": lon,
            "lat": lat,
            "channel": "web",
            "confirm_unlinked": True,
            "unlinked_reason": "in a block",
        },
        None,
        IntakeSettings(snap_max_m=MAX_M),
    )
    assert issue.id is not None and issue.segment_id is None and issue.team_id is None
    assert issue.unlinked_reason == "in a block" and issue.review_owner_id is not None
    assert session.execute(text("SELECT count(*) FROM issues WHERE id = :i"), {"i": issue.id}).scalar() == 1
