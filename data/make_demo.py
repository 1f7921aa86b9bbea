"""Generate the synthetic 大塘街道 demo data set into data/demo/ (deterministic: seed 2020).

    .venv/bin/python data/make_demo.py [OUTDIR]

Everything is invented except the district's headline figures (see data/README.md). Geometry is built in
EPSG:32649 (UTM 49N) metres and written as EPSG:4326 lon/lat with 6 decimals. The script ends with a
self-check that re-reads the written files and exits non-zero if any of the promised figures or rules fails.
"""

import csv
import io
import json
import os
import random
import sys
from collections import Counter
from datetime import datetime, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))  # the project root: the events replay through the app's state table

import demo_records as R  # noqa: E402
import shapely  # noqa: E402
from demo_geo import HALL_SERVES, WATER_NAME, Geo, geom_to_m, to_ll, to_m  # noqa: E402
from demo_records import CAT, END, TZ, at, iso  # noqa: E402
from shapely.geometry import Point, shape  # noqa: E402
from shapely.geometry.polygon import orient  # noqa: E402

from geo_app.domain.workflow import states  # noqa: E402
from geo_app.vocab import OPEN_STATUSES  # noqa: E402

SEED = 2020


# ================================================================ planning the issues
def plan_issues(geo, org, rng, names):
    d = lambda m, dd, hh, mi: datetime(2020, m, dd, hh, mi, tzinfo=TZ)  # noqa: E731
    clear_note = "公安、消防联合清障：拖移占用消防通道的车辆，施划禁停标线并加装隔离桩"
    follow_note = "书记现场劝离占用消防通道的车辆，消防通道保持畅通"
    specials = [
        {
            "category": "cooking_fumes",
            "outcome": "team",
            "special": "story",
            "channel": "reception_hall",
            "reported_at": R.STORY_AT,
        },
        {
            "category": "illegal_parking",
            "outcome": "team",
            "special": "lane:FL-01",
            "channel": "reception_hall",
            "reported_at": d(6, 10, 9, 40),
            "resolve_at": d(6, 15, 10, 0),
            "lane_clear": "FL-01",
            "flow": "lane",
            "resolve_note": "公安、消防联合清障：五天内拖移僵尸车12辆，施划禁停标线，兴安小区消防通道恢复畅通",
        },
        {
            "category": "illegal_parking",
            "outcome": "on_site",
            "special": "lane:FL-01",
            "channel": "phone",
            "reported_at": d(6, 11, 19, 20),
            "resolve_at": d(6, 15, 10, 40),
            "flow": "follow",
            "resolve_note": "已随兴安小区消防通道清障一并处理",
        },
        {
            "category": "illegal_parking",
            "outcome": "on_site",
            "special": "lane:FL-01",
            "channel": "wechat",
            "reported_at": d(6, 12, 8, 15),
            "resolve_at": d(6, 15, 11, 5),
            "flow": "follow",
            "resolve_note": "已随兴安小区消防通道清障一并处理",
        },
        {
            "category": "illegal_parking",
            "outcome": "on_site",
            "special": "lane:FL-01",
            "channel": "patrol",
            "reported_at": d(8, 18, 10, 10),
            "flow": "follow",
            "resolve_note": follow_note,
        },
        {
            "category": "illegal_parking",
            "outcome": "on_site",
            "special": "lane:FL-01",
            "channel": "wechat",
            "reported_at": d(10, 21, 21, 5),
            "flow": "follow",
            "resolve_note": follow_note,
        },
    ]
    for lane, rep, res, ch, fol, fch in [
        ("FL-03", d(7, 8, 10, 5), d(7, 11, 15, 30), "reception_hall", d(8, 26, 9, 50), "patrol"),
        ("FL-04", d(8, 12, 18, 40), d(8, 15, 11, 0), "phone", d(9, 23, 20, 15), "wechat"),
        ("FL-06", d(9, 2, 12, 30), d(9, 7, 16, 0), "wechat", d(10, 14, 15, 20), "patrol"),
        ("FL-08", d(10, 19, 15, 10), d(10, 22, 10, 30), "reception_hall", d(10, 30, 18, 0), "phone"),
    ]:
        specials.append(
            {
                "category": "illegal_parking",
                "outcome": "team",
                "special": "lane:" + lane,
                "channel": ch,
                "reported_at": rep,
                "resolve_at": res,
                "lane_clear": lane,
                "flow": "lane",
                "resolve_note": clear_note,
            }
        )
        specials.append(
            {
                "category": "illegal_parking",
                "outcome": "on_site",
                "special": "lane:" + lane,
                "channel": fch,
                "reported_at": fol,
                "flow": "follow",
                "resolve_note": follow_note,
            }
        )
    specials += [
        {
            "category": "illegal_parking",
            "outcome": "open",
            "special": "lane:FL-10",
            "channel": "reception_hall",
            "reported_at": d(9, 21, 10, 15),
            "overdue": True,
            "open_state": "dispatched",
            "depts": ["police", "fire"],
        },
        {
            "category": "illegal_parking",
            "outcome": "open",
            "special": "lane:FL-10",
            "channel": "wechat",
            "reported_at": d(11, 5, 20, 10),
            "overdue": False,
            "open_state": "accepted",
        },
        {
            "category": "sanitation",
            "outcome": "open",
            "special": "uncovered",
            "channel": "patrol",
            "reported_at": d(11, 4, 10, 30),
            "overdue": False,
            "open_state": "reported",
        },
    ]
    issues = list(specials)
    for cat, overdue, state in R.OPEN_SPECS:
        issues.append({"category": cat, "outcome": "open", "special": None, "overdue": overdue, "open_state": state})
    left = Counter(R.CAT_COUNTS)
    left.subtract(Counter(i["category"] for i in issues))
    pool = [{"category": c, "special": None} for c in R.CAT_COUNTS for _ in range(left[c])]
    n_on_site = R.N_ON_SITE - sum(1 for i in issues if i["outcome"] == "on_site")
    ranked = sorted(pool, key=lambda i: R.ON_SITE_PROPENSITY[i["category"]] + rng.uniform(0, 0.6), reverse=True)
    for k, i in enumerate(ranked):
        i["outcome"] = "on_site" if k < n_on_site else "team"
    issues += pool

    # where, which channel, when
    placer = R.Placer(geo, org, rng)
    channels, weights = zip(*R.CHANNEL_WEIGHTS, strict=False)
    for i in issues:
        lon, lat, seg_code, p, seg, frac, side, compound = placer.place(i["category"], i["special"])
        i.update(lon=lon, lat=lat, segment=seg_code, community=geo.community_of(p))
        i["address"], i["description"] = R.describe(i["category"], rng, geo, seg, frac, side, compound, i["special"])
        if "channel" not in i:
            i["channel"] = rng.choices(channels, weights)[0]
        if "reported_at" not in i:
            i["reported_at"] = draw_reported_at(i, rng)
    # unique reported_at (refs follow it)
    seen = set()
    for i in sorted(issues, key=lambda i: i["reported_at"]):
        while i["reported_at"] in seen:
            i["reported_at"] += timedelta(minutes=1)
        seen.add(i["reported_at"])
    issues.sort(key=lambda i: i["reported_at"])
    assert issues[0]["special"] == "story"
    phones = rng.sample(range(1, 10000), len(issues))
    for n, i in enumerate(issues, 1):
        i["ref"] = f"DT-2020-{n:05d}"
        anonymous = i["channel"] == "patrol" or (i["channel"] == "web" and rng.random() < 0.5)
        i["reporter_name"] = "" if anonymous else names()
        i["reporter_phone"] = "" if anonymous else f"138-0000-{phones[n - 1]:04d}"
        i["hall"] = HALL_SERVES[i["community"]] if i["channel"] == "reception_hall" else None
    # about a tenth of the team-resolved issues fail their first acceptance (the story issue is one)
    team_generic = [i for i in issues if i["outcome"] == "team" and i["special"] is None]
    for i in rng.sample(team_generic, 14):
        i["fail"] = True
    return issues


def draw_reported_at(i, rng):
    cat, ch, outcome = i["category"], i["channel"], i["outcome"]
    sla = CAT[cat]["sla"]
    work = ch in ("reception_hall", "patrol")
    lo, hi = R.STORY_AT.date() + timedelta(days=0), datetime(2020, 11, 3).date()
    if outcome == "on_site":
        hi = datetime(2020, 11, 5).date()
    if outcome == "open":
        if i["overdue"]:
            lo, hi = datetime(2020, 8, 3).date(), (R.OVERDUE_AT - timedelta(days=sla + 2)).date()
        else:
            lo = max(
                (R.NOT_OVERDUE_AFTER - timedelta(days=sla)).date() + timedelta(days=1), datetime(2020, 10, 9).date()
            )
            hi = datetime(2020, 11, 6).date()
    while True:
        day = R.pick_day(rng, cat, lo, hi, work)
        hh, mm = R.time_of_day(rng, ch)
        t = at(day, hh, mm)
        if t <= R.STORY_AT + timedelta(minutes=30):
            continue
        if outcome == "open" and not i["overdue"] and i["open_state"] != "reported" and t.hour >= 12 and day == hi:
            continue
        return t


# ================================================================ visits and events
TOPICS = [
    "政策咨询",
    "社保医保咨询",
    "邻里纠纷调解",
    "低保救助咨询",
    "开具证明",
    "老旧小区改造意见",
    "垃圾分类咨询",
    "疫情防控咨询",
    "就业创业咨询",
    "养老服务咨询",
    "反映物业服务",
    "意见建议",
]


def make_visits(geo, issues, rng):
    visits = []
    for i in issues:
        if i["channel"] != "reception_hall":
            continue
        t = i["reported_at"] - timedelta(minutes=rng.randint(10, 40))
        topics = [CAT[i["category"]]["zh"]] + ([rng.choice(TOPICS)] if rng.random() < 0.2 else [])
        if i["special"] == "story":
            topics = ["油烟", "噪声"]
        people = 3 if i["special"] == "story" else rng.choices((1, 2, 3, 4), (45, 30, 15, 10))[0]
        visits.append(
            {"hall_code": i["hall"], "visited_at": t, "people": people, "topics": "；".join(topics), "issue": i}
        )
    halls = [h["code"] for h in geo.halls]
    while sum(v["people"] for v in visits) < 835:
        day = R.pick_day(rng, None, datetime(2020, 5, 6).date(), datetime(2020, 11, 6).date(), True)
        hh, mm = R.time_of_day(rng, "reception_hall")
        visits.append(
            {
                "hall_code": rng.choices(halls, (40, 30, 30))[0],
                "visited_at": at(day, hh, mm) - timedelta(minutes=20),
                "people": rng.choices((1, 2, 3, 4), (45, 30, 15, 10))[0],
                "topics": "；".join(rng.sample(TOPICS, rng.choice((1, 1, 2)))),
                "issue": None,
            }
        )
    visits.sort(key=lambda v: (v["visited_at"], v["hall_code"], v["issue"]["ref"] if v["issue"] else ""))
    for n, v in enumerate(visits, 1):
        v["code"] = f"V-{n:04d}"
        if v["issue"]:
            v["issue"]["visit_code"] = v["code"]
    return visits


def make_events(org, issues, rng):
    teams = {t["code"]: t for t in org["teams"]}
    seg_team = {}
    for t in org["teams"]:
        for c in t["segments"]:
            seg_team.setdefault(c, t["code"])
    for i in issues:
        team = teams.get(seg_team.get(i["segment"]))
        i["team"] = team and team["code"]
        for scale in (1.0, 0.5, 0.25, 0.1, 0.05, 0.02):
            evs = []

            def ev(t, actor, action, params, evs=evs):  # bound now: each issue appends to its own list
                e = [t, len(evs), actor, action, params]
                evs.append(e)
                return e

            clk = R.Clock(rng, scale)
            flow = i.get("flow")
            if i["special"] == "story":
                R.story_flow(i, rng, ev)
            elif flow == "lane":
                R.lane_clear_flow(i, team, rng, ev)
            elif flow == "follow":
                R.follow_up_flow(i, team, rng, ev)
            elif i["outcome"] == "open":
                R.open_flow(i, team, rng, clk, ev)
            elif i["outcome"] == "on_site":
                R.on_site_flow(i, team, rng, clk, ev)
            else:
                R.team_flow(i, team, rng, clk, i.get("fail", False), ev)
            evs.sort(key=lambda e: (e[0], e[1]))
            for a, b in zip(evs, evs[1:], strict=False):
                if b[0] <= a[0]:
                    b[0] = a[0] + timedelta(minutes=1)
            if not evs or evs[-1][0] < END - timedelta(minutes=30):
                break
        else:
            raise SystemExit(f"{i['ref']}: events do not fit before {iso(END)}")
        i["events"] = evs
        if i.get("lane_clear"):
            resolve = [e for e in evs if e[3] == "resolve"][-1]
            i["lane_clear_at"] = resolve[0]


def lane_history(issues):
    rows = []
    for i in issues:
        if i.get("lane_clear"):
            rows.append(
                [
                    i["lane_clear"],
                    i["lane_clear_at"],
                    "blocked",
                    "clear",
                    "staff_fire",
                    f"消防救援大队与公安联合清障，消防通道恢复畅通（{i['ref']}）",
                ]
            )
    rows.append(
        [
            "FL-02",
            datetime(2020, 9, 14, 10, 30, tzinfo=TZ),
            "blocked",
            "partly_blocked",
            "staff_urban_mgmt",
            "城管清走部分堆放杂物，仍有车辆夜间停放",
        ]
    )
    rows.append(
        [
            "FL-09",
            datetime(2020, 10, 20, 16, 0, tzinfo=TZ),
            "clear",
            "partly_blocked",
            "staff_property",
            "新增电动车棚占用部分通道宽度，待物业整改",
        ]
    )
    rows.sort(key=lambda r: (r[1], r[0]))
    return rows


# ================================================================ writing
def coords(geom):
    out = []
    for x, y in geom.coords:
        p = list(to_ll(x, y))
        if not out or out[-1] != p:
            out.append(p)
    return out


def gj_geometry(g):
    if g.geom_type == "Point":
        return {"type": "Point", "coordinates": list(to_ll(g.x, g.y))}
    if g.geom_type == "LineString":
        return {"type": "LineString", "coordinates": coords(g)}
    if g.geom_type == "Polygon":
        g = orient(g, 1.0)
        return {"type": "Polygon", "coordinates": [coords(g.exterior)] + [coords(r) for r in g.interiors]}
    if g.geom_type == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [gj_geometry(p)["coordinates"] for p in g.geoms]}
    raise ValueError(g.geom_type)


def write_geojson(path, name, feats):
    lines = [
        json.dumps(
            {"type": "Feature", "properties": props, "geometry": gj_geometry(g)},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for props, g in feats
    ]
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(f'{{"type":"FeatureCollection","name":{json.dumps(name)},"features":[\n')
        f.write(",\n".join(lines))
        f.write("\n]}\n")


def write_csv(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def write_all(out, geo, org, issues, visits, history):
    os.makedirs(out, exist_ok=True)
    p = lambda n: os.path.join(out, n)  # noqa: E731
    areas = [
        ({"code": "CZQ", "name": "长洲区", "level": "district", "parent_code": None}, geo.district),
        ({"code": "DT", "name": "大塘街道", "level": "subdistrict", "parent_code": "CZQ"}, geo.subdistrict),
    ]
    areas += [
        ({"code": c, "name": n, "level": "community", "parent_code": "DT"}, poly) for c, n, poly in geo.communities
    ]
    write_geojson(p("areas.geojson"), "areas", areas)
    write_geojson(p("water.geojson"), "water", [({"name": WATER_NAME}, geo.water)])
    write_geojson(
        p("streets.geojson"),
        "streets",
        [
            ({"code": s["code"], "street_name": s["street_name"], "community_code": s["community_code"]}, s["geom"])
            for s in geo.segments
        ],
    )
    write_geojson(
        p("halls.geojson"),
        "halls",
        [
            (
                {"code": h["code"], "name": h["name"], "community_code": h["community_code"], "address": h["address"]},
                h["geom"],
            )
            for h in geo.halls
        ],
    )
    write_geojson(
        p("compounds.geojson"),
        "compounds",
        [
            (
                {
                    "name": c["name"],
                    "community_code": c["community_code"],
                    "households": c["households"],
                    "residents": c["residents"],
                },
                c["geom"],
            )
            for c in geo.compounds
        ],
    )
    write_geojson(
        p("fire_lanes.geojson"),
        "fire_lanes",
        [
            (
                {
                    "code": ln["code"],
                    "name": ln["name"],
                    "compound": ln["compound"],
                    "households": ln["households"],
                    "residents": ln["residents"],
                    "status": ln["status"],
                },
                ln["geom"],
            )
            for ln in geo.lanes
        ],
    )
    write_csv(
        p("fire_lane_history.csv"),
        ["lane_code", "at", "from_status", "to_status", "actor", "note"],
        [[r[0], iso(r[1])] + r[2:] for r in history],
    )
    with open(p("organisation.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(org, ensure_ascii=False, indent=1) + "\n")
    write_csv(
        p("visits.csv"),
        ["code", "hall_code", "visited_at", "people", "topics"],
        [[v["code"], v["hall_code"], iso(v["visited_at"]), v["people"], v["topics"]] for v in visits],
    )
    write_csv(
        p("issues.csv"),
        [
            "ref",
            "category",
            "description",
            "lon",
            "lat",
            "address",
            "channel",
            "reported_at",
            "reporter_name",
            "reporter_phone",
            "visit_code",
        ],
        [
            [
                i["ref"],
                i["category"],
                i["description"],
                f"{i['lon']:.6f}",
                f"{i['lat']:.6f}",
                i["address"],
                i["channel"],
                iso(i["reported_at"]),
                i["reporter_name"],
                i["reporter_phone"],
                i.get("visit_code", ""),
            ]
            for i in issues
        ],
    )
    write_csv(
        p("issue_events.csv"),
        ["ref", "seq", "at", "actor", "action", "params"],
        [
            [
                i["ref"],
                n,
                iso(e[0]),
                e[2],
                e[3],
                json.dumps(e[4], ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            ]
            for i in issues
            for n, e in enumerate(i["events"], 1)
        ],
    )


def main(out):
    rng = random.Random(SEED)
    geo = Geo()
    names = R.Names(rng)
    org = R.build_organisation(geo, rng, names)
    issues = plan_issues(geo, org, rng, names)
    visits = make_visits(geo, issues, rng)
    make_events(org, issues, rng)
    write_all(out, geo, org, issues, visits, lane_history(issues))
    return self_check(out)


# ================================================================ self-check (reads the written files back)
def self_check(out):
    failures = []

    def ok(cond, msg):
        if not cond:
            failures.append(msg)

    def load(name):
        with open(os.path.join(out, name), encoding="utf-8") as f:
            return json.load(f)

    def rows(name):
        with open(os.path.join(out, name), encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    ts = lambda s: datetime.fromisoformat(s)  # noqa: E731
    m = lambda feat: geom_to_m(shape(feat["geometry"]))  # noqa: E731
    areas = load("areas.geojson")["features"]
    water = m(load("water.geojson")["features"][0])
    streets = load("streets.geojson")["features"]
    lanes = load("fire_lanes.geojson")["features"]
    compounds = load("compounds.geojson")["features"]
    halls = load("halls.geojson")["features"]
    org = load("organisation.json")
    issues, events, visits = rows("issues.csv"), rows("issue_events.csv"), rows("visits.csv")
    history = rows("fire_lane_history.csv")

    # --- areas
    for f in areas + [load("water.geojson")["features"][0]] + compounds:
        ok(shape(f["geometry"]).is_valid, f"invalid polygon {f['properties']}")
    dt = m([f for f in areas if f["properties"]["code"] == "DT"][0])
    czq = m([f for f in areas if f["properties"]["code"] == "CZQ"][0])
    comms = {f["properties"]["code"]: m(f) for f in areas if f["properties"]["level"] == "community"}
    ok(len(comms) >= 5, "fewer than 5 communities")
    cu = shapely.union_all(list(comms.values()))
    ok(cu.symmetric_difference(dt).area < 1.0, "communities do not tile the sub-district")
    ok(abs(sum(p.area for p in comms.values()) - cu.area) < 1.0, "communities overlap")
    ok(czq.contains(dt.buffer(1)) and czq.contains(water), "district does not contain everything")
    # --- streets
    segs = {f["properties"]["code"]: f for f in streets}
    ok(len(segs) == len(streets) >= 70, f"segments: {len(streets)}")
    seg_m = {c: m(f) for c, f in segs.items()}
    names = Counter(f["properties"]["street_name"] for f in streets)
    ok(len(names) >= 12 and names["银湖南路"] >= 5 and "丰业路" in names, f"street names {names}")
    for c, g in seg_m.items():
        ok(80 <= g.length <= 400, f"{c} is {g.length:.0f} m long")
        ok(
            max(comms, key=lambda k: comms[k].intersection(g).length) == segs[c]["properties"]["community_code"],
            f"{c} community",
        )
    ends = Counter(
        tuple(pt) for f in streets for pt in (f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][-1])
    )
    ll = {c: shape(f["geometry"]) for c, f in segs.items()}
    tree = shapely.STRtree(list(ll.values()))
    codes = list(ll)
    for a, b in zip(*tree.query(list(ll.values()), predicate="intersects"), strict=False):
        if a < b:
            ok(ll[codes[a]].touches(ll[codes[b]]), f"{codes[a]} and {codes[b]} cross without a shared node")
    touching = {c: set() for c in codes}
    for a, b in zip(*tree.query(list(ll.values()), predicate="touches"), strict=False):
        touching[codes[a]].add(codes[b])
    seen, stack = set(), [codes[0]]
    while stack:
        c = stack.pop()
        if c not in seen:
            seen.add(c)
            stack.extend(sorted(touching[c] - seen))
    ok(len(seen) == len(codes), "street network is not connected by shared end points")
    ok(all(n >= 1 for n in ends.values()), "ends")
    net = shapely.union_all(list(seg_m.values()))
    ok(not water.intersects(net), "water intersects streets")
    ok(all(dt.contains(g) for g in seg_m.values()), "a segment leaves the sub-district")
    for f in compounds:
        ok(not m(f).intersects(net), f"compound {f['properties']['name']} crosses a street")
    xa = [f["properties"] for f in compounds if f["properties"]["name"] == "兴安小区"][0]
    ok(xa["households"] >= 2100 and xa["residents"] == 6500, "兴安小区 figures")
    ok(len(compounds) >= 7 and {"丰业花园", "丽港华府"} <= {f["properties"]["name"] for f in compounds}, "compounds")
    ok(
        len(halls) >= 3
        and any(
            f["properties"]["code"] == "FY-HALL" and f["properties"]["name"] == "丰业社区民意接待厅" for f in halls
        ),
        "halls",
    )
    for f in halls:
        ok(comms[f["properties"]["community_code"]].contains(m(f)), f"hall {f['properties']['code']} community")
    # --- organisation
    users = {u["username"]: u for u in org["users"]}
    ok([c["code"] for c in org["categories"]] == [c[0] for c in R.CATEGORIES], "categories")
    ok([d["code"] for d in org["departments"]] == [d[0] for d in R.DEPARTMENTS], "departments")
    for u, role in [
        ("admin", "admin"),
        ("planner", "planner"),
        ("clerk", "clerk"),
        ("chief", "chief"),
        ("secretary", "secretary"),
        ("staff", "staff"),
    ]:
        ok(users.get(u, {}).get("role") == role, f"user {u}")
    ok(users["clerk"].get("hall") == "FY-HALL" and users["staff"].get("department") == "market_reg", "clerk/staff")
    for d in R.DEPARTMENTS:
        ok(any(u.get("department") == d[0] and u["role"] == "staff" for u in users.values()), f"no staff in {d[0]}")
    cover = Counter(c for t in org["teams"] for c in t["segments"])
    ok(len(org["teams"]) >= 6, "teams")
    ok(
        sum(1 for c in segs if cover[c] == 0) == 1
        and sum(1 for c in segs if cover[c] == 2) == 1
        and all(cover[c] <= 2 for c in segs)
        and set(cover) <= set(segs),
        f"coverage {Counter(cover.values())}",
    )
    yh = [
        t
        for t in org["teams"]
        if {c for c in segs if segs[c]["properties"]["street_name"] == "银湖南路"} <= set(t["segments"])
    ]
    ok(len(yh) == 1 and yh[0]["chief"] == "chief" and yh[0]["secretary"] == "secretary", "银湖南路 team")
    for t in org["teams"]:
        ok(3 <= len(t["members"]) <= 6 and users[t["chief"]]["role"] == "chief", f"team {t['code']}")
    # --- fire lanes
    lane_m = {f["properties"]["code"]: m(f) for f in lanes}
    comp_m = {f["properties"]["name"]: m(f) for f in compounds}
    ok(len(lanes) >= 8, "lanes")
    for f in lanes:
        pr, g = f["properties"], lane_m[f["properties"]["code"]]
        ok(60 <= g.length <= 250 and not g.intersects(net), f"lane {pr['code']} geometry")
        if pr["compound"]:
            ok(comp_m[pr["compound"]].buffer(0.5).contains(g), f"lane {pr['code']} outside its compound")
    fl1 = [f["properties"] for f in lanes if f["properties"]["code"] == "FL-01"][0]
    ok(fl1["households"] >= 2000 and fl1["residents"] == 6500 and fl1["compound"] == "兴安小区", "FL-01")
    status = {f["properties"]["code"]: f["properties"]["status"] for f in lanes}
    opened = set()
    for h in history:
        ok(h["from_status"] == status[h["lane_code"]], f"history of {h['lane_code']} does not chain")
        status[h["lane_code"]] = h["to_status"]
        if h["from_status"] == "blocked" and h["to_status"] == "clear" and R.PERIOD_START <= ts(h["at"]) <= END:
            opened.add(h["lane_code"])
    ok(len(opened) == 5 and "FL-01" in opened, f"lanes opened {sorted(opened)}")
    # --- visits
    vis = {v["code"]: v for v in visits}
    people = sum(int(v["people"]) for v in visits)
    ok(810 <= people <= 860 and all(1 <= int(v["people"]) <= 4 for v in visits), f"visit people {people}")
    # --- issues
    ok(len(issues) == 265 and [i["ref"] for i in issues] == [f"DT-2020-{n:05d}" for n in range(1, 266)], "refs")
    ok([ts(i["reported_at"]) for i in issues] == sorted(ts(i["reported_at"]) for i in issues), "ref order")
    seg_arr, seg_codes = list(seg_m.values()), list(seg_m)
    near_lane = 0
    for i in issues:
        p = Point(to_m(float(i["lon"]), float(i["lat"])))
        dists = shapely.distance(seg_arr, p)
        ok(5 <= dists.min() <= 40, f"{i['ref']} is {dists.min():.1f} m from the nearest segment")
        ok(dt.contains(p) and not water.intersects(p), f"{i['ref']} outside the sub-district or in water")
        ok(len(i["description"]) < 300 and "<" not in i["description"] and ">" not in i["description"], i["ref"])
        ok(ts(i["reported_at"]) >= R.PERIOD_START, i["ref"])
        if i["category"] == "illegal_parking" and min(g.distance(p) for g in lane_m.values()) <= 30:
            near_lane += 1
        if i["channel"] == "reception_hall":
            v = vis.get(i["visit_code"])
            ok(
                v is not None
                and v["visited_at"][:10] == i["reported_at"][:10]
                and ts(v["visited_at"]) < ts(i["reported_at"]),
                f"{i['ref']} visit",
            )
        else:
            ok(i["visit_code"] == "", f"{i['ref']} has a visit code")
    ok(12 <= near_lane <= 18, f"{near_lane} parking issues near fire lanes")
    first = issues[0]
    ok(
        first["category"] == "cooking_fumes"
        and first["channel"] == "reception_hall"
        and first["reported_at"] < "2020-05-11"
        and segs[
            seg_codes[int(shapely.distance(seg_arr, Point(to_m(float(first["lon"]), float(first["lat"])))).argmin())]
        ]["properties"]["street_name"]
        == "银湖南路",
        "DT-2020-00001",
    )
    # --- events: replay the state machine
    by_ref = {}
    for e in events:
        by_ref.setdefault(e["ref"], []).append(e)
    outcome, overdue, not_overdue = Counter(), 0, 0
    sla = {c["code"]: c["sla_days"] for c in org["categories"]}
    for i in issues:
        evs = by_ref.get(i["ref"], [])
        ok([int(e["seq"]) for e in evs] == list(range(1, len(evs) + 1)), f"{i['ref']} seq")
        state, last, res, disp, verified = "reported", ts(i["reported_at"]), None, {}, []
        for e in evs:
            t, a, pr, who = ts(e["at"]), e["action"], json.loads(e["params"]), users.get(e["actor"])
            ok(who is not None, f"{i['ref']} unknown actor {e['actor']}")
            ok(last < t < END + timedelta(seconds=1), f"{i['ref']} #{e['seq']} time")
            last = t
            after = states.target_state(a, pr, state)  # None: the app would refuse this move
            ok(after is not None, f"{i['ref']} #{e['seq']} {a} in {state}")
            if a == "set_due":
                ok(ts(pr["due_at"]), f"{i['ref']} set_due")
            elif a in ("acknowledge", "arrive", "done"):
                d = pr["department"]
                prev = {"acknowledge": "dispatched", "arrive": "acknowledged", "done": "arrived"}[a]
                ok(
                    state in ("dispatched", "in_progress")
                    and disp.get(d) == prev
                    and who
                    and who.get("department") == d,
                    f"{i['ref']} #{e['seq']} {a} {d}",
                )
                disp[d] = {"acknowledge": "acknowledged", "arrive": "arrived", "done": "done"}[a]
            elif a == "verify":
                verified.append(pr["passed"])
            else:
                if a == "dispatch":
                    for d in pr["departments"]:
                        ok(disp.get(d) in (None, "done"), f"{i['ref']} dispatch {d} twice")
                        disp[d] = "dispatched"
                    ok(who and who["role"] == "chief", f"{i['ref']} dispatch by {e['actor']}")
                if a == "resolve":
                    res = pr["resolution"]
                    ok(res in ("on_site", "team") and (res == "on_site") == (not disp), f"{i['ref']} resolution")
                    ok(all(s == "done" for s in disp.values()), f"{i['ref']} resolved with dispatches pending")
            state = after or state
        if state == "closed":
            outcome[res] += 1
        else:
            ok(state in OPEN_STATUSES, f"{i['ref']} ends {state}")
            outcome["open"] += 1
            due = ts(i["reported_at"]) + timedelta(days=sla[i["category"]])
            overdue += due < R.OVERDUE_AT
            not_overdue += due > R.NOT_OVERDUE_AFTER
        if i is first:
            ok(
                [e["action"] for e in evs][:3] == ["accept", "set_due", "dispatch"]
                and evs[0]["actor"] == "chief"
                and verified == [False, True]
                and json.loads(evs[1]["params"])["due_at"][:10]
                == [e for e in evs if e["action"] == "verify"][-1]["at"][:10],
                "DT-2020-00001 story",
            )
    ok(set(by_ref) <= {i["ref"] for i in issues}, "events of unknown issues")
    ok({v["hall_code"] for v in visits} <= {f["properties"]["code"] for f in halls}, "visits at unknown halls")
    fails = sum(
        1 for r, evs in by_ref.items() if any(e["action"] == "verify" and '"passed":false' in e["params"] for e in evs)
    )
    ok(outcome == Counter(on_site=89, team=151, open=25), f"outcomes {dict(outcome)}")
    ok(overdue >= 6 and not_overdue >= 8 and overdue + not_overdue == 25, f"overdue {overdue}/{not_overdue}")
    ok(12 <= fails <= 20, f"{fails} failed acceptances")
    summary = {
        "segments": len(segs),
        "streets": len(names),
        "teams": len(org["teams"]),
        "users": len(users),
        "visits": len(visits),
        "visit_people": people,
        "issues": len(issues),
        "by_category": dict(Counter(i["category"] for i in issues)),
        "by_channel": dict(Counter(i["channel"] for i in issues)),
        "outcome": dict(outcome),
        "open_overdue": overdue,
        "open_not_overdue": not_overdue,
        "failed_acceptance": fails,
        "parking_near_lanes": near_lane,
        "lanes_opened": sorted(opened),
        "events": len(events),
    }
    print(json.dumps(summary, ensure_ascii=False))
    for f in failures:
        print("SELF-CHECK FAILED:", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "demo")))
