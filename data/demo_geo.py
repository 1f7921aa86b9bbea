"""Synthetic geometry of the 大塘街道 demo (see data/README.md: everything here is invented).

The layout is drawn on a simple "plan" in metres (x east, y north, origin near the south-west corner
of the sub-district), then bent by a smooth warp into UTM 49N (EPSG:32649) metres around
111.28 E, 23.48 N, so that streets are slightly slanted and curved. All metric work happens in
EPSG:32649; lon/lat (EPSG:4326, 6 decimals) is only produced when writing files.
"""

import math

from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import linemerge, polygonize, substring, unary_union

CENTRE_LONLAT = (111.28, 23.48)
_TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)
_TO_LL = Transformer.from_crs("EPSG:32649", "EPSG:4326", always_xy=True)
E0, N0 = _TO_M.transform(*CENTRE_LONLAT)
PLAN_CENTRE = (1050.0, 900.0)


def warp(x, y):
    """Plan metres -> EPSG:32649 metres (a gentle shear plus waves; det(J) > 0.98)."""
    dx, dy = x - PLAN_CENTRE[0], y - PLAN_CENTRE[1]
    return (
        E0 + dx + 0.10 * dy + 18.0 * math.sin(2 * math.pi * y / 1500.0),
        N0 + dy - 0.06 * dx + 15.0 * math.sin(2 * math.pi * x / 1800.0),
    )


def to_ll(x, y):
    """EPSG:32649 metres -> (lon, lat) rounded to 6 decimals."""
    lon, lat = _TO_LL.transform(x, y)
    return (round(lon, 6), round(lat, 6))


def to_m(lon, lat):
    return _TO_M.transform(lon, lat)


def geom_to_m(geom):
    """A lon/lat shapely geometry -> EPSG:32649."""
    from shapely.ops import transform

    return transform(lambda xs, ys, zs=None: _TO_M.transform(xs, ys), geom)


def _densify(p, q, step):
    """Points p..q every <= step metres; canonical so that a shared edge yields identical points."""
    if p > q:
        return list(reversed(_densify(q, p, step)))
    n = max(1, math.ceil(math.dist(p, q) / step))
    return [p] + [(p[0] + (q[0] - p[0]) * k / n, p[1] + (q[1] - p[1]) * k / n) for k in range(1, n)] + [q]


def warp_line(coords, step=25.0):
    pts = []
    for a, b in zip(coords[:-1], coords[1:], strict=False):
        pts.extend(_densify(tuple(a), tuple(b), step)[:-1])
    pts.append(tuple(coords[-1]))
    return LineString([warp(*p) for p in pts])


def _warp_rect_ring(ring, grid_x, grid_y, step=20.0):
    """An axis-aligned plan ring, noded at every grid line it crosses, densified and warped."""
    out = []
    for a, b in zip(ring[:-1], ring[1:], strict=False):
        if a[0] == b[0]:
            cuts = [(a[0], y) for y in grid_y if min(a[1], b[1]) < y < max(a[1], b[1])]
        else:
            cuts = [(x, a[1]) for x in grid_x if min(a[0], b[0]) < x < max(a[0], b[0])]
        cuts.sort(key=lambda p: math.dist(a, p))
        chain = [a] + cuts + [b]
        for p, q in zip(chain[:-1], chain[1:], strict=False):
            out.extend(_densify(p, q, step)[:-1])
    out.append(out[0])
    return [warp(*p) for p in out]


# ---------------------------------------------------------------- plan of the streets
# (name, code prefix, plan polyline). Lines overshoot the streets they end on; the stubs are cut off.
STREETS = [
    # north-south
    ("建设路", "JSL", [(0, 10), (-15, 900), (15, 1870)]),
    ("丰业路", "FYL", [(340, 10), (372, 1000), (335, 1870)]),
    ("新兴一路", "XXYL", [(690, 15), (715, 1870)]),
    ("新兴二路", "XXEL", [(1040, 20), (1080, 900), (1035, 1870)]),
    ("新兴三路", "XXSL", [(1410, 15), (1380, 1870)]),
    ("竹湾路", "ZWL", [(1760, 0), (1725, 700), (1770, 1870)]),
    ("富民路", "FML", [(2100, 0), (2090, 900), (2120, 1870)]),
    # east-west (西江四路 follows the river bank)
    ("西江四路", "XJSL", [(-25, 45), (500, 70), (1050, 55), (1600, 20), (2130, 35)]),
    ("银湖南路", "YHNL", [(-25, 339), (1050, 360), (2130, 329)]),
    ("银湖北路", "YHBL", [(-25, 640), (1000, 670), (2130, 655)]),
    ("大塘路", "DTL", [(-25, 960), (1050, 945), (2130, 980)]),
    ("丽港路", "LGL", [(-25, 1255), (900, 1280), (2130, 1245)]),
    ("兴安路", "XAL", [(-25, 1560), (1050, 1585), (2130, 1555)]),
    ("龙湖路", "LHL", [(-25, 1840), (1200, 1850), (2130, 1835)]),
    # lanes (巷): a T-T lane, an east-west lane and two dead ends
    ("塘源巷", "TYX", [(525, 320), (535, 690)]),
    ("竹湾巷", "ZWX", [(1700, 1110), (2130, 1115)]),
    ("丽景巷", "LJX", [(1225, 985), (1225, 740)]),
    ("丰和巷", "FHX", [(400, 1105), (170, 1115)]),
]

SUBDISTRICT_BOX = (-100, -60, 2200, 1940)
GRID_X = [-100, 820, 1530, 2200]
GRID_Y = [-60, 760, 1360, 1940]
# community -> cells (col, row) of the GRID
COMMUNITIES = [
    ("YH", "银湖社区", [(0, 0), (1, 0)]),
    ("LG", "丽港社区", [(2, 0), (2, 1)]),
    ("DTC", "大塘社区", [(0, 1), (1, 1)]),
    ("FY", "丰业社区", [(0, 2)]),
    ("XA", "兴安社区", [(1, 2), (2, 2)]),
]
DISTRICT_BOX = (-1300, -1100, 3400, 2900)

# compounds: (name, community, plan seed point inside its block, households, residents, built)
COMPOUNDS = [
    ("兴安小区", "XA", (1225, 1700), 2150, 6500, "old"),
    ("丰业花园", "FY", (175, 1700), 860, 2580, "new"),
    ("丽港华府", "LG", (1925, 495), 1280, 3720, "new"),
    ("银湖苑", "YH", (175, 495), 640, 1890, "new"),
    ("大塘新村", "DTC", (525, 1110), 720, 2050, "old"),
    ("新兴小区", "DTC", (1225, 1110), 930, 2710, "old"),
    ("西江小区", "YH", (875, 190), 580, 1660, "old"),
    ("竹湾花园", "LG", (1925, 805), 760, 2240, "new"),
    ("龙湖苑", "XA", (1925, 1700), 690, 2010, "new"),
]
COMPOUND_INSET = 20.0

# fire lanes: (code, name, compound or None, plan seed of its block, street it runs along, offset m,
#              length m, households, residents, status before the demo period)
FIRE_LANES = [
    ("FL-01", "兴安小区南侧消防通道", "兴安小区", (1225, 1700), "兴安路", 45, 230, 2150, 6500, "blocked"),
    ("FL-02", "龙湖苑北侧消防通道", "龙湖苑", (1925, 1700), "龙湖路", 45, 180, 420, 1220, "blocked"),
    ("FL-03", "丰业花园东侧消防通道", "丰业花园", (175, 1700), "丰业路", 45, 160, 520, 1560, "blocked"),
    ("FL-04", "大塘新村北侧消防通道", "大塘新村", (525, 1110), "丽港路", 45, 200, 460, 1310, "blocked"),
    ("FL-05", "新兴小区西侧消防通道", "新兴小区", (1225, 1110), "新兴二路", 45, 150, 380, 1100, "partly_blocked"),
    ("FL-06", "丽港华府南侧消防通道", "丽港华府", (1925, 495), "银湖南路", 45, 210, 640, 1860, "blocked"),
    ("FL-07", "银湖苑西侧消防通道", "银湖苑", (175, 495), "建设路", 45, 140, 300, 880, "clear"),
    ("FL-08", "西江小区北侧消防通道", "西江小区", (875, 190), "银湖南路", 45, 220, 580, 1660, "blocked"),
    ("FL-09", "竹湾花园东侧消防通道", "竹湾花园", (1925, 805), "富民路", 45, 170, 390, 1150, "clear"),
    ("FL-10", "银湖南路美食街后巷消防通道", None, (525, 190), "银湖南路", 50, 200, 310, 900, "blocked"),
]

HALLS = [
    # code, name, community, street, plan point near which it stands, offset side (plan direction)
    ("FY-HALL", "丰业社区民意接待厅", "FY", "丰业路", (350, 1480), (1, 0)),
    ("XA-HALL", "兴安社区民意接待厅", "XA", "兴安路", (1560, 1566), (0, -1)),
    ("YH-HALL", "银湖社区民意接待厅", "YH", "银湖北路", (1220, 657), (0, -1)),
]
HALL_SERVES = {"FY": "FY-HALL", "DTC": "FY-HALL", "XA": "XA-HALL", "YH": "YH-HALL", "LG": "YH-HALL"}

WATER_NAME = "西江"


class Geo:
    """All demo geometry in EPSG:32649 metres."""

    def __init__(self):
        self._build_areas()
        self._build_water()
        self._build_segments()
        self._build_compounds()
        self._build_lanes()
        self._build_halls()

    # ------------------------------------------------------------ areas
    def _build_areas(self):
        x0, y0, x1, y1 = SUBDISTRICT_BOX
        self.communities = []  # (code, name, polygon)
        for code, name, cells in COMMUNITIES:
            plan = unary_union(
                [
                    Polygon(
                        [
                            (GRID_X[c], GRID_Y[r]),
                            (GRID_X[c + 1], GRID_Y[r]),
                            (GRID_X[c + 1], GRID_Y[r + 1]),
                            (GRID_X[c], GRID_Y[r + 1]),
                        ]
                    )
                    for c, r in cells
                ]
            )
            ring = [(float(a), float(b)) for a, b in plan.exterior.coords]
            self.communities.append((code, name, Polygon(_warp_rect_ring(ring, GRID_X, GRID_Y))))
        ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        self.subdistrict = Polygon(_warp_rect_ring([(float(a), float(b)) for a, b in ring], GRID_X, GRID_Y))
        x0, y0, x1, y1 = DISTRICT_BOX
        ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        self.district = Polygon(_warp_rect_ring([(float(a), float(b)) for a, b in ring], [], [], 100.0))

    def _build_water(self):
        # the 西江 bank strip south of the sub-district: a wavy north bank between y=-70 and y=-110
        north = [(x, -90.0 + 18.0 * math.sin(x / 260.0)) for x in range(-1250, 3351, 50)]
        south = [(3350.0, -900.0), (-1250.0, -900.0)]
        plan = north + south + [north[0]]
        self.water = Polygon([warp(x, y) for x, y in plan])

    # ------------------------------------------------------------ streets
    def _build_segments(self):
        lines = [LineString(c) for _, _, c in STREETS]
        noded = unary_union(lines)
        pieces = list(noded.geoms)

        def street_of(piece):
            mid = piece.interpolate(0.5, normalized=True)
            best = min(range(len(lines)), key=lambda i: lines[i].distance(mid))
            return best

        # drop overshoot stubs (pieces < 75 m with a free end; real dead ends are longer), until stable
        while True:
            deg = {}
            for p in pieces:
                for e in (p.coords[0], p.coords[-1]):
                    deg[e] = deg.get(e, 0) + 1
            keep = [p for p in pieces if not (p.length < 75 and (deg[p.coords[0]] == 1 or deg[p.coords[-1]] == 1))]
            if len(keep) == len(pieces):
                break
            pieces = keep
        # every remaining node of degree 2 must join two different streets (a corner), never one street
        ends = {}
        for p in pieces:
            for e in (p.coords[0], p.coords[-1]):
                ends.setdefault(e, []).append(street_of(p))
        for e, owners in ends.items():
            assert not (len(owners) == 2 and owners[0] == owners[1]), f"street split without a junction at {e}"
        by_street = {}
        for p in pieces:
            by_street.setdefault(street_of(p), []).append(p)
        segs = []
        for i in sorted(by_street):
            group = by_street[i]
            name, prefix, coords = STREETS[i]
            ref = LineString(coords)
            group.sort(key=lambda p: ref.project(p.interpolate(0.5, normalized=True)))
            for k, p in enumerate(group, 1):
                c = list(p.coords)
                if ref.project(Point(c[0])) > ref.project(Point(c[-1])):
                    c.reverse()
                segs.append(
                    {"code": f"{prefix}-{k:02d}", "street_name": name, "plan": LineString(c), "geom": warp_line(c)}
                )
        for s in segs:
            s["community_code"] = max(self.communities, key=lambda cm: cm[2].intersection(s["geom"]).length)[0]
        self.segments = segs
        self.seg_by_code = {s["code"]: s for s in segs}

    def street_segments(self, name):
        return [s for s in self.segments if s["street_name"] == name]

    def community_of(self, pt):
        for code, _, poly in self.communities:
            if poly.covers(pt):
                return code
        return None

    # ------------------------------------------------------------ compounds, lanes, halls
    def _block_at(self, plan_pt):
        faces = list(polygonize(unary_union([s["geom"] for s in self.segments])))
        p = Point(warp(*plan_pt))
        for f in faces:
            if f.contains(p):
                return f
        raise AssertionError(f"no block at plan point {plan_pt}")

    def _build_compounds(self):
        self.compounds = []
        for name, comm, seed, hh, res, built in COMPOUNDS:
            block = self._block_at(seed)
            poly = block.buffer(-COMPOUND_INSET, join_style="mitre").simplify(0.5)
            self.compounds.append(
                {
                    "name": name,
                    "community_code": comm,
                    "households": hh,
                    "residents": res,
                    "built": built,
                    "geom": poly,
                    "block": block,
                }
            )
        self.compound_by_name = {c["name"]: c for c in self.compounds}

    def _build_lanes(self):
        self.lanes = []
        for code, name, comp, seed, street, offset, length, hh, res, status in FIRE_LANES:
            area = self.compound_by_name[comp]["geom"] if comp else self._block_at(seed).buffer(-COMPOUND_INSET)
            inner = area.buffer(-6)
            street_line = linemerge([s["geom"] for s in self.street_segments(street) if s["geom"].distance(area) < 40])
            best = None
            for d in (offset, -offset):
                off = street_line.offset_curve(d)
                part = off.intersection(inner)
                parts = list(part.geoms) if hasattr(part, "geoms") else [part]
                parts = [q for q in parts if q.geom_type == "LineString" and not q.is_empty]
                if parts:
                    cand = max(parts, key=lambda q: q.length)
                    if best is None or cand.length > best.length:
                        best = cand
            assert best is not None and best.length >= length, (code, best and best.length)
            start = (best.length - length) / 2
            lane = substring(best, start, start + length)
            self.lanes.append(
                {
                    "code": code,
                    "name": name,
                    "compound": comp,
                    "households": hh,
                    "residents": res,
                    "status": status,
                    "geom": lane,
                    "street": street,
                }
            )
        self.lane_by_code = {ln["code"]: ln for ln in self.lanes}

    def _build_halls(self):
        self.halls = []
        for code, name, comm, street, plan_pt, side in HALLS:
            pt = Point(warp(plan_pt[0] + 14 * side[0], plan_pt[1] + 14 * side[1]))
            seg = min(self.street_segments(street), key=lambda s: s["geom"].distance(pt))
            frac = seg["geom"].project(pt) / seg["geom"].length
            left = self.point_beside(seg, frac, 14, 1).distance(pt) < 1.0
            number = self.house_number(seg, frac, 1 if left else -1)
            self.halls.append(
                {
                    "code": code,
                    "name": name,
                    "community_code": comm,
                    "geom": pt,
                    "address": f"梧州市长洲区大塘街道{street}{number}号",
                    "segment": seg["code"],
                }
            )
        self.hall_by_code = {h["code"]: h for h in self.halls}

    # ------------------------------------------------------------ helpers for placing points
    def point_beside(self, seg, frac, offset, side):
        """A point `offset` metres to the left (side=+1) or right (-1) of segment `seg` at `frac`."""
        line = seg["geom"]
        s = frac * line.length
        a = line.interpolate(max(0.0, s - 2))
        b = line.interpolate(min(line.length, s + 2))
        dx, dy = b.x - a.x, b.y - a.y
        n = math.hypot(dx, dy)
        p = line.interpolate(s)
        return Point(p.x - dy / n * offset * side, p.y + dx / n * offset * side)

    def house_number(self, seg, frac, side):
        """A plausible house number: distance along the whole street / 12 m, odd on the left."""
        before = sum(
            s["geom"].length
            for s in self.street_segments(seg["street_name"])
            if int(s["code"].split("-")[1]) < int(seg["code"].split("-")[1])
        )
        along = before + frac * seg["geom"].length
        return 2 * int(along / 12) + (1 if side > 0 else 2)
