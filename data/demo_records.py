"""Synthetic organisation, visits, issues, issue events and fire-lane history of the 大塘街道 demo.

Everything here is invented (see data/README.md); only the headline figures (265 issues, 89 solved on site,
151 by street-chief teams, 5 fire lanes opened, 800+ visits) are the district's real ones.
"""

from datetime import date, datetime, time, timedelta, timezone

import numpy as np
import shapely
from demo_geo import to_ll, to_m
from shapely.geometry import Point

TZ = timezone(timedelta(hours=8))
PERIOD_START = datetime(2020, 5, 1, tzinfo=TZ)
END = datetime(2020, 11, 6, 23, 59, 59, tzinfo=TZ)
OVERDUE_AT = datetime(2020, 11, 6, tzinfo=TZ)  # open and reported_at + sla < this: overdue
NOT_OVERDUE_AFTER = datetime(2020, 11, 7, 2, tzinfo=TZ)  # open and reported_at + sla > this: not overdue
STORY_AT = datetime(2020, 5, 6, 9, 20, tzinfo=TZ)

CATEGORIES = [
    ("cooking_fumes", "油烟", "Cooking fumes", 15, False),
    ("noise", "噪声", "Noise", 7, False),
    ("illegal_parking", "违停占道", "Illegal parking / blocked access", 3, True),
    ("dog_keeping", "文明养犬", "Dog keeping", 10, False),
    ("water_renovation", "水改", "Water-pipe renovation", 30, False),
    ("ac_dripping", "空调滴水", "Air-conditioner dripping", 7, False),
    ("obstruction", "占道堆放", "Obstruction of passage", 3, True),
    ("sanitation", "环境卫生", "Sanitation", 5, False),
    ("road_damage", "道路破损", "Road damage", 15, False),
    ("street_light", "路灯", "Street lights", 7, False),
]
CAT = {c[0]: {"zh": c[1], "sla": c[3], "blocks": c[4]} for c in CATEGORIES}
DEPARTMENTS = [
    ("police", "公安", "Police"),
    ("fire", "消防", "Fire brigade"),
    ("urban_mgmt", "城管", "Urban management"),
    ("market_reg", "市场监管", "Market regulation"),
    ("environment", "生态环境", "Ecology & environment"),
    ("housing", "住建", "Housing & construction"),
    ("water", "水务", "Water affairs"),
    ("property", "物业", "Property management"),
    ("community", "社区", "Community"),
]
DEPT_ZH = {d[0]: d[1] for d in DEPARTMENTS}
STAFF_OF = {d[0]: ("staff" if d[0] == "market_reg" else f"staff_{d[0]}") for d in DEPARTMENTS}

# (code, name, community, chief, secretary, liaison departments)
TEAMS = [
    (
        "T-YHNL",
        "银湖南路街长团队",
        "YH",
        "chief",
        "secretary",
        ["market_reg", "environment", "urban_mgmt", "police", "fire"],
    ),
    ("T-YHBL", "银湖北路街长团队", "YH", "chief_yhbl", None, ["police", "urban_mgmt", "property", "community"]),
    (
        "T-DT",
        "大塘社区街长团队",
        "DTC",
        "chief_dt",
        "secretary_dt",
        ["water", "housing", "urban_mgmt", "community", "police"],
    ),
    ("T-LG", "丽港社区街长团队", "LG", "chief_lg", None, ["police", "community", "property", "urban_mgmt"]),
    ("T-FY", "丰业社区街长团队", "FY", "chief_fy", None, ["police", "fire", "property", "community"]),
    (
        "T-XA",
        "兴安社区街长团队",
        "XA",
        "chief_xa",
        "secretary_xa",
        ["police", "fire", "urban_mgmt", "property", "housing", "community"],
    ),
]
UNCOVERED_SEGMENT = "LJX-01"  # the dead-end lane 丽景巷: no team covers it
OVERLAP_SEGMENT = ("ZWL-06", "T-LG")  # 竹湾路 across the 丽港/兴安 boundary: T-XA and also T-LG
FOOD_STREET = ["YHNL-02", "YHNL-03", "YHNL-04", "YHNL-05"]

CAT_COUNTS = {
    "cooking_fumes": 48,
    "noise": 30,
    "illegal_parking": 42,
    "dog_keeping": 25,
    "water_renovation": 28,
    "ac_dripping": 34,
    "obstruction": 18,
    "sanitation": 20,
    "road_damage": 11,
    "street_light": 9,
}
N_ON_SITE, N_TEAM, N_OPEN = 89, 151, 25
ON_SITE_PROPENSITY = {
    "ac_dripping": 0.62,
    "dog_keeping": 0.58,
    "sanitation": 0.62,
    "obstruction": 0.58,
    "noise": 0.38,
    "illegal_parking": 0.45,
    "street_light": 0.2,
    "cooking_fumes": 0.12,
    "water_renovation": 0.05,
    "road_damage": 0.1,
}
DEPTS_FOR = {
    "cooking_fumes": (["market_reg", "environment"], ["urban_mgmt"]),
    "noise": (["environment", "urban_mgmt"], ["police"]),
    "illegal_parking": (["police"], ["urban_mgmt", "fire"]),
    "dog_keeping": (["police", "community"], []),
    "water_renovation": (["water", "housing"], ["property"]),
    "ac_dripping": (["property", "community"], []),
    "obstruction": (["urban_mgmt"], ["property", "fire"]),
    "sanitation": (["urban_mgmt"], ["community"]),
    "road_damage": (["housing", "urban_mgmt"], []),
    "street_light": (["urban_mgmt"], ["housing"]),
}
CHANNEL_WEIGHTS = [("reception_hall", 0.58), ("phone", 0.15), ("wechat", 0.15), ("patrol", 0.08), ("web", 0.04)]

# open issues: (category, overdue, state); the FL-10 and 丽景巷 ones are added as specials
OPEN_SPECS = [
    ("water_renovation", True, "in_progress"),
    ("water_renovation", True, "in_progress"),
    ("cooking_fumes", True, "in_progress_reopened"),
    ("noise", True, "dispatched"),
    ("road_damage", True, "dispatched"),
    ("ac_dripping", True, "accepted"),
    ("dog_keeping", True, "in_progress"),
    ("obstruction", True, "accepted"),
    ("cooking_fumes", False, "dispatched"),
    ("cooking_fumes", False, "reported"),
    ("noise", False, "accepted"),
    ("noise", False, "reported"),
    ("water_renovation", False, "in_progress"),
    ("water_renovation", False, "dispatched"),
    ("ac_dripping", False, "reported"),
    ("ac_dripping", False, "accepted"),
    ("dog_keeping", False, "dispatched"),
    ("sanitation", False, "in_progress"),
    ("street_light", False, "accepted"),
    ("road_damage", False, "reported"),
    ("illegal_parking", False, "in_progress"),
    ("obstruction", False, "dispatched"),
]

# China's 2020 public holidays and make-up working days inside the period
HOLIDAYS = (
    {date(2020, 5, d) for d in range(1, 6)}
    | {date(2020, 6, d) for d in (25, 26, 27)}
    | {date(2020, 10, d) for d in range(1, 9)}
)
MAKEUP_WORKDAYS = {date(2020, 5, 9), date(2020, 6, 28), date(2020, 9, 27), date(2020, 10, 10)}


def is_workday(d):
    return d not in HOLIDAYS and (d.weekday() < 5 or d in MAKEUP_WORKDAYS)


DAYS = [date(2020, 5, 1) + timedelta(days=k) for k in range(190)]
WORKDAYS = [d for d in DAYS if is_workday(d)]


def iso(t):
    return t.isoformat(timespec="seconds")


def at(d, hh, mm):
    return datetime.combine(d, time(hh, mm), tzinfo=TZ)


# ---------------------------------------------------------------- people (all invented)
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁宋郑谢韦覃莫蒙黎陆蓝邓冯潘钟")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰志红海波宁斌凤琳晓建国荣春梅德清文")


class Names:
    def __init__(self, rng):
        self.rng, self.used = rng, set()

    def __call__(self):
        while True:
            n = self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
            if n not in self.used:
                self.used.add(n)
                return n


# ---------------------------------------------------------------- organisation
def build_organisation(geo, rng, names):
    team_segments = {t[0]: [] for t in TEAMS}
    team_of_comm = {t[2]: t[0] for t in TEAMS if t[0] not in ("T-YHNL", "T-YHBL")}
    for s in geo.segments:
        if s["code"] == UNCOVERED_SEGMENT:
            continue
        if s["street_name"] == "银湖南路":
            team = "T-YHNL"
        elif s["community_code"] == "YH":
            team = "T-YHNL" if s["plan"].interpolate(0.5, normalized=True).y < 350 else "T-YHBL"
        else:
            team = team_of_comm[s["community_code"]]
        team_segments[team].append(s["code"])
    ov = geo.seg_by_code[OVERLAP_SEGMENT[0]]
    assert ov["street_name"] == "竹湾路" and all(
        cm[2].intersection(ov["geom"]).length > 50 for cm in geo.communities if cm[0] in ("LG", "XA")
    ), "overlap segment moved"
    team_segments[OVERLAP_SEGMENT[1]].append(OVERLAP_SEGMENT[0])
    users = [
        {"username": "admin", "display_name": names(), "role": "admin"},
        {"username": "planner", "display_name": names(), "role": "planner"},
    ]
    for h in geo.halls:
        uname = "clerk" if h["code"] == "FY-HALL" else "clerk_" + h["code"].split("-")[0].lower()
        users.append({"username": uname, "display_name": names(), "role": "clerk", "hall": h["code"]})
    teams = []
    for code, tname, comm, chief, sec, depts in TEAMS:
        users.append({"username": chief, "display_name": names(), "role": "chief", "team": code})
        if sec:
            users.append({"username": sec, "display_name": names(), "role": "secretary", "team": code})
        teams.append(
            {
                "code": code,
                "name": tname,
                "community_code": comm,
                "chief": chief,
                "secretary": sec,
                "members": [{"name": names(), "department": d, "role": "liaison"} for d in depts],
                "segments": sorted(team_segments[code]),
            }
        )
    for d in DEPARTMENTS:
        users.append({"username": STAFF_OF[d[0]], "display_name": names(), "role": "staff", "department": d[0]})
    return {
        "categories": [
            {"code": c[0], "name_zh": c[1], "name_en": c[2], "sla_days": c[3], "blocks_access": c[4]}
            for c in CATEGORIES
        ],
        "departments": [{"code": d[0], "name_zh": d[1], "name_en": d[2]} for d in DEPARTMENTS],
        "teams": teams,
        "users": users,
        "open311_keys": [{"label": "demo", "key": "demo-open311-key"}],
    }


# ---------------------------------------------------------------- descriptions
SHOPS = [
    "老友粉店",
    "纸包鸡餐馆",
    "烧烤店",
    "牛腩粉店",
    "大排档",
    "火锅店",
    "炒粉店",
    "螺蛳粉店",
    "烤鱼店",
    "夜宵店",
    "酒楼",
    "卤味店",
]
WHEN = ["每天傍晚六点以后", "晚上十点以后", "凌晨一两点", "中午饭点", "周末夜间", "每天晚上"]
TEXT = {
    "cooking_fumes": [
        "{shop}{when}油烟直排，{impact}，希望督促安装油烟净化器。",
        "居民反映{place}的{shop}排烟管道太低，正对{bld}号楼住户窗户，{impact}。",
        "{shop}在店门口露天烧烤，{when}烟雾很大，{impact}，多次沟通无果。",
        "{place}{shop}的油烟净化器形同虚设，{when}油烟味很重，{impact}。",
    ],
    "noise": [
        "{place}{shop}{when}仍在营业，食客喝酒猜码声音很大，影响休息。",
        "{place}有人{when}跳广场舞，音响音量过大，老人小孩睡不好。",
        "{place}附近工地{when}施工，噪声扰民，请核实是否办理夜间施工许可。",
        "楼下{shop}的空调外机和排风扇噪声大，{when}吵得睡不着。",
        "{place}商铺用高音喇叭循环播放促销广告，{when}不停，影响周边住户。",
    ],
    "illegal_parking": [
        "{place}长期有车辆乱停，占用人行道和半幅车道，{when}进出很困难。",
        "{place}路边车辆双排停放，早晚高峰堵塞，行人只能走机动车道。",
        "有{n}辆僵尸车长期停放在{place}，落满灰尘，影响通行和环境。",
        "{place}小区出入口被货车占道停放，{when}尤其严重，老人出行不便。",
        "{place}人行道上停满电动车和小汽车，盲道被完全占用。",
    ],
    "dog_keeping": [
        "{compound}{bld}栋有住户遛狗不拴绳，{detail}。",
        "{compound}内犬只随地大小便无人清理，{detail}。",
        "{compound}{bld}栋邻居家养的大型犬{when}狂吠不止，影响休息。",
        "{compound}有住户在楼道内圈养多只狗，气味很大，{detail}。",
    ],
    "water_renovation": [
        "{compound}{bld}栋供水管道老化，经常爆管漏水，水压低，要求尽快水改。",
        "{compound}水改施工后路面一直没有恢复，{detail}。",
        "{compound}{bld}栋水改进度慢，居民不知道什么时候能装上新水表，{detail}。",
        "{compound}{bld}栋自来水发黄有异味，怀疑管道锈蚀，希望纳入水改。",
    ],
    "ac_dripping": [
        "{place}{bld}号楼上住户空调外机滴水，正好滴在{target}，{detail}。",
        "{place}沿街商铺空调冷凝水直接排到人行道上，{detail}。",
        "{place}{bld}号多户空调没有接排水管，{when}滴水不停，{detail}。",
    ],
    "obstruction": [
        "{place}商户在人行道上堆放{items}，行人无法通行。",
        "{place}{bld}号楼道内堆放{items}，存在消防安全隐患。",
        "{place}有人长期占道堆放{items}，{detail}。",
    ],
    "sanitation": [
        "{place}垃圾桶满溢无人清运，{detail}。",
        "{place}绿化带内有人倾倒建筑垃圾，{detail}。",
        "{place}排水沟堵塞发臭，{detail}。",
    ],
    "road_damage": [
        "{place}路面出现坑洼，约{n}平方米，雨天积水，电动车容易摔倒。",
        "{place}人行道砖松动破损，{detail}。",
        "{place}井盖破损下沉，{detail}。",
    ],
    "street_light": [
        "{place}路灯不亮已有{n}天，晚上一片漆黑，居民出行不安全。",
        "{place}一排路灯时亮时灭，{detail}。",
        "{place}路灯灯杆锈蚀倾斜，{detail}。",
    ],
}
SLOTS = {
    "impact": [
        "油烟直接飘进居民楼",
        "阳台晾的衣服都是油烟味",
        "家里窗户都不敢开",
        "老人小孩被呛得咳嗽",
        "外墙和空调外机被熏黑",
    ],
    "target": ["行人头上", "楼下商铺雨棚上", "一楼住户窗台上", "人行道上"],
    "items": ["纸箱和废品", "建材和沙石", "旧家具", "货架和桌椅", "蔬菜筐"],
    "detail": [
        "已经持续一个多月",
        "多次向物业反映未解决",
        "希望有关部门尽快处理",
        "居民意见很大",
        "存在安全隐患",
        "夏天味道特别大",
        "下雨天更加严重",
    ],
}
ON_SITE_NOTE = {
    "cooking_fumes": "书记现场约谈店主，当场调整排烟口朝向并清洗净化器",
    "noise": "现场协调降低音量，约定晚上九点半前结束",
    "illegal_parking": "现场联系车主挪车，设置临时警示锥",
    "dog_keeping": "现场劝导犬主拴绳并清理粪便，签订文明养犬承诺书",
    "water_renovation": "现场协调物业临时关阀抢修",
    "ac_dripping": "现场协调楼上住户加装冷凝水导管",
    "obstruction": "现场督促商户清理堆放物，恢复通行",
    "sanitation": "现场联系环卫工人清运并冲洗地面",
    "road_damage": "现场设置警示标志并安排人员填补",
    "street_light": "现场联系路灯维护人员更换灯具",
}
TEAM_NOTE = {
    "cooking_fumes": "市场监管、生态环境联合检查，督促加装油烟净化器并建立清洗台账",
    "noise": "生态环境、城管联合执法，责令限时经营并降低噪声",
    "illegal_parking": "公安交警拖移违停车辆，施划禁停标线",
    "dog_keeping": "公安、社区登记犬只并开展文明养犬宣传",
    "water_renovation": "水务、住建完成管道更换和路面恢复",
    "ac_dripping": "物业、社区逐户上门，统一加装冷凝水管",
    "obstruction": "城管依法清理占道堆放物",
    "sanitation": "城管环卫完成清运，增加清运频次",
    "road_damage": "住建、城管完成路面修复",
    "street_light": "城管路灯所更换灯具和线路",
}
DISPATCH_REASON = {
    "cooking_fumes": "餐馆油烟扰民，需市场监管、生态环境联合检查",
    "noise": "夜间噪声扰民，需联合执法",
    "illegal_parking": "车辆违停占道，需清障和执法",
    "dog_keeping": "不文明养犬，需登记犬只并劝导",
    "water_renovation": "老旧供水管网，需水务、住建研究水改方案",
    "ac_dripping": "空调滴水，需物业和社区上门协调",
    "obstruction": "占道堆放影响通行，需依法清理",
    "sanitation": "环境卫生问题，需清运整治",
    "road_damage": "路面破损存在安全隐患，需修复",
    "street_light": "路灯故障，需维修",
}


# ---------------------------------------------------------------- placing issues
class Placer:
    """Places issue points (EPSG:32649) that respect the spec's distance rules, on the rounded lon/lat."""

    def __init__(self, geo, org, rng):
        self.geo, self.rng = geo, rng
        self.codes = [s["code"] for s in geo.segments]
        self.geoms = np.array([s["geom"] for s in geo.segments])
        self.teams_of = {c: [] for c in self.codes}
        for t in org["teams"]:
            for c in t["segments"]:
                self.teams_of[c].append(t["code"])
        self.lanes = shapely.union_all([ln["geom"] for ln in geo.lanes])

    def check(self, pt, blocks, special):
        """Return (lon, lat, segment code) for a valid point or None."""
        lon, lat = to_ll(pt.x, pt.y)
        p = Point(to_m(lon, lat))
        if not self.geo.subdistrict.contains(p) or self.geo.water.intersects(p):
            return None
        d = shapely.distance(self.geoms, p)
        i = int(np.argmin(d))
        if not 5.5 <= d[i] <= 39.0:
            return None
        close = [self.codes[j] for j in range(len(d)) if d[j] <= d[i] + 4.0]
        if len({tuple(self.teams_of[c]) for c in close}) != 1:
            return None
        code = self.codes[i]
        if special != "uncovered" and (code == UNCOVERED_SEGMENT or code == OVERLAP_SEGMENT[0]):
            return None
        if blocks and special is None and self.lanes.distance(p) < 80:
            return None
        return lon, lat, code, p

    def place(self, cat, special):
        geo, rng = self.geo, self.rng
        blocks = CAT[cat]["blocks"]
        for _ in range(4000):
            compound = None
            if special and special.startswith("lane:"):
                lane = geo.lane_by_code[special[5:]]
                q = lane["geom"].interpolate(rng.uniform(0.1, 0.9), normalized=True)
                seg = min(geo.street_segments(lane["street"]), key=lambda s: s["geom"].distance(q))
                frac = seg["geom"].project(q) / seg["geom"].length
                side = (
                    1
                    if geo.point_beside(seg, frac, 40, 1).distance(q) < geo.point_beside(seg, frac, 40, -1).distance(q)
                    else -1
                )
                pt = geo.point_beside(seg, frac, rng.uniform(24, 35), side)
                res = self.check(pt, blocks, special)
                if res and lane["geom"].distance(res[3]) <= 28:
                    return res + (seg, frac, side, lane["compound"] and geo.compound_by_name[lane["compound"]])
                continue
            if special == "uncovered":
                seg, frac, side, off = geo.seg_by_code[UNCOVERED_SEGMENT], rng.uniform(0.4, 0.8), 1, 10
            elif special == "story":
                seg, frac, side, off = geo.seg_by_code["YHNL-04"], 0.45, 1, 14
            else:
                seg, frac, side, off, compound = self._draw(cat)
            pt = geo.point_beside(seg, frac, off, side)
            if compound is not None and not compound["geom"].contains(pt):
                continue
            res = self.check(pt, blocks, special)
            if res:
                return res + (seg, frac, side, compound)
        raise SystemExit(f"could not place a {cat} issue ({special})")

    def _draw(self, cat):
        geo, rng = self.geo, self.rng
        r = rng.random()
        segs = geo.segments
        if cat in ("cooking_fumes", "noise") and r < (0.85 if cat == "cooking_fumes" else 0.6):
            return (
                geo.seg_by_code[rng.choice(FOOD_STREET)],
                rng.uniform(0.1, 0.9),
                rng.choice((1, -1)),
                rng.uniform(8, 30),
                None,
            )
        comp_names = {
            "dog_keeping": ["丽港华府"] * 7 + ["丰业花园", "银湖苑", "竹湾花园", "龙湖苑"],
            "water_renovation": ["大塘新村", "新兴小区", "西江小区", "兴安小区"],
            "ac_dripping": [c["name"] for c in geo.compounds],
        }.get(cat)
        if cat == "illegal_parking" and r < 0.6:
            comp_names = ["兴安小区"]
        if comp_names and (cat != "ac_dripping" or r < 0.6):
            comp = geo.compound_by_name[rng.choice(comp_names)]
            near = [s for s in segs if s["geom"].distance(comp["geom"]) < 25]
            seg = rng.choice(near)
            frac = rng.uniform(0.15, 0.85)
            side = 1 if comp["geom"].contains(geo.point_beside(seg, frac, 30, 1)) else -1
            if cat == "illegal_parking":
                return seg, frac, rng.choice((1, -1)), rng.uniform(6, 18), None
            return seg, frac, side, rng.uniform(24, 37), comp
        off = {"road_damage": (5.5, 12), "street_light": (6, 15)}.get(cat, (6, 34))
        return rng.choice(segs), rng.uniform(0.12, 0.88), rng.choice((1, -1)), rng.uniform(*off), None


def describe(cat, rng, geo, seg, frac, side, compound, special):
    street = seg["street_name"]
    num = geo.house_number(seg, frac, side)
    bld = rng.randint(1, 18)
    if compound is not None:
        address = f"{street}{num}号{compound['name']}{bld}栋"
        place = compound["name"]
    else:
        address = f"{street}{num}号附近"
        place = f"{street}{num}号附近"
    if special == "story":
        return (
            f"银湖南路美食街（银湖南路{num - 20}号至{num + 24}号）",
            "多名居民来访反映：银湖南路美食街多家餐馆油烟直排，没有安装油烟净化设施，油烟直接飘进居民楼；"
            "晚上十点以后还有露天烧烤和食客猜码喝酒，噪声很大，住户无法休息。多次与店主沟通无果，"
            "希望街长协调有关部门整治。",
        )
    if special and special.startswith("lane:"):
        lane = geo.lane_by_code[special[5:]]
        txt = rng.choice(
            [
                "{lane}被私家车长期占用，消防车进不来，万一发生火灾后果不堪设想。",
                "{lane}又有车辆停放，堵住了通道，希望尽快清理。",
                "{lane}堆满车辆和杂物，救护车上周都开不进来，住户很担心。",
            ]
        ).format(lane=lane["name"])
        return address, txt
    slots = {
        "shop": rng.choice(SHOPS),
        "when": rng.choice(WHEN),
        "place": place,
        "bld": bld,
        "compound": compound["name"] if compound else street,
        "n": rng.randint(2, 15),
    }
    for k, v in SLOTS.items():
        slots[k] = rng.choice(v)
    return address, rng.choice(TEXT[cat]).format(**slots)


# ---------------------------------------------------------------- times
def pick_day(rng, cat, lo, hi, workday):
    weights = {
        "ac_dripping": {5: 0.5, 6: 1.5, 7: 2, 8: 2, 9: 1.5, 10: 0.6, 11: 0.3},
        "cooking_fumes": {5: 1.2, 6: 1.2, 7: 1.2, 8: 1.2, 9: 1, 10: 0.8, 11: 0.6},
        "noise": {5: 1, 6: 1.2, 7: 1.4, 8: 1.4, 9: 1, 10: 0.8, 11: 0.6},
    }.get(cat, {})
    pool = [d for d in (WORKDAYS if workday else DAYS) if lo <= d <= hi]
    assert pool, (cat, lo, hi)
    while True:
        d = rng.choice(pool)
        if rng.random() * 2 <= weights.get(d.month, 1.0):
            return d


def time_of_day(rng, channel):
    if channel == "reception_hall":
        m = rng.choice((rng.randint(8 * 60 + 40, 11 * 60 + 20), rng.randint(14 * 60 + 40, 16 * 60 + 50)))
    elif channel == "patrol":
        m = rng.randint(9 * 60, 17 * 60)
    elif channel == "phone":
        m = rng.randint(8 * 60, 20 * 60)
    else:
        m = rng.randint(7 * 60, 23 * 60)
    return m // 60, m % 60


class Clock:
    """Draws successive event times. People act between 08:00 and 21:00 (later times move to the next
    morning); a compressed clock (scale < 1) shrinks the gaps so that late issues fit before END."""

    def __init__(self, rng, scale=1.0):
        self.rng, self.scale, self.work = rng, scale, scale >= 0.1

    def after(self, t, lo_min, hi_min, work=True):
        t = t + timedelta(minutes=max(1, round(self.rng.uniform(lo_min, hi_min) * self.scale)))
        if work and self.work and (t.hour < 8 or t.hour >= 21):
            day = t.date() if t.hour < 8 else t.date() + timedelta(days=1)
            t = at(day, 8, 0) + timedelta(minutes=self.rng.randint(0, 150))
        return t.replace(second=0)


H, D = 60, 24 * 60


def team_flow(iss, team, rng, clk, fail, ev):
    """accept -> [set_due] -> dispatch -> acknowledge/arrive/done -> start -> resolve team -> verify -> close.
    With `fail`, the first acceptance check fails and one department is summoned again."""
    cat, chief, sec = iss["category"], team["chief"], team["secretary"]
    t = clk.after(iss["reported_at"], 20, 20 * H)
    ev(t, rng.choice([chief, sec]) if sec else chief, "accept", {})
    due_ev = ev(clk.after(t, 2, 15, False), chief, "set_due", {"due_at": None}) if rng.random() < 0.75 else None
    base, extra = DEPTS_FOR[cat]
    depts = iss.get("depts") or list(base) + ([rng.choice(extra)] if extra and rng.random() < 0.35 else [])
    t = clk.after(t, 20, 16 * H)
    t = round_of_dispatch(iss, depts, DISPATCH_REASON[cat], chief, t, rng, clk, ev, start=True)
    if fail:
        t = clk.after(t, 1 * D, 3 * D)
        ev(t, chief, "verify", {"passed": False, "note": "验收未通过：整改不到位，居民仍有意见"})
        if due_ev is not None:
            due_ev[4]["due_at"] = iso(at(t.date(), 17, 30))
            t = clk.after(t, 5, 30, False)
            due_ev = ev(t, chief, "set_due", {"due_at": None})
        t = round_of_dispatch(
            iss,
            [rng.choice(depts)],
            "首次验收未通过，再次吹哨整改",
            chief,
            clk.after(t, 30, 8 * H),
            rng,
            clk,
            ev,
            start=False,
            note="二次整改完成：" + TEAM_NOTE[cat],
        )
    t = clk.after(t, 2 * H, 3 * D)
    ev(t, chief, "verify", {"passed": True, "note": "验收合格，居民满意"})
    if due_ev is not None:
        due_ev[4]["due_at"] = iso(at((t + timedelta(days=rng.choice((0, 0, 1, 2, 3)))).date(), 17, 30))
    ev(clk.after(t, 10, 6 * H), chief, "close", {})


def lane_clear_flow(iss, team, rng, ev):
    """A fire-lane blockage cleared by the fire brigade and police at exactly iss['resolve_at']."""
    chief, res_at = team["chief"], iss["resolve_at"]
    t = iss["reported_at"] + timedelta(minutes=rng.randint(40, 120))
    ev(t, chief, "accept", {})
    ev(t + timedelta(minutes=5), chief, "set_due", {"due_at": iso(at(res_at.date(), 17, 30))})
    t = t + timedelta(minutes=rng.randint(30, 90))
    ev(
        t,
        chief,
        "dispatch",
        {"departments": ["police", "fire"], "reason": "消防通道被车辆堵塞，吹哨召集公安、消防联合清障"},
    )
    span = (res_at - t).total_seconds() / 60
    for k, d in enumerate(("police", "fire")):
        ev(t + timedelta(minutes=15 + 10 * k), STAFF_OF[d], "acknowledge", {"department": d})
        ev(t + timedelta(minutes=90 + 20 * k), STAFF_OF[d], "arrive", {"department": d})
        ev(t + timedelta(minutes=round(span - 40 + 10 * k)), STAFF_OF[d], "done", {"department": d})
    ev(t + timedelta(minutes=150), chief, "start", {})
    ev(res_at, chief, "resolve", {"resolution": "team", "note": iss["resolve_note"]})
    t = res_at + timedelta(minutes=rng.randint(240, 360))
    ev(t, chief, "verify", {"passed": True, "note": "验收合格：消防通道畅通，已施划禁停标线"})
    ev(t + timedelta(minutes=30), chief, "close", {})


def follow_up_flow(iss, team, rng, ev):
    """A blockage report settled on site at exactly iss['resolve_at'] (if given) or within hours."""
    chief, sec = team["chief"], team["secretary"]
    t = iss["reported_at"] + timedelta(minutes=rng.randint(30, 150))
    ev(t, rng.choice([chief, sec]) if sec else chief, "accept", {})
    t = iss.get("resolve_at") or t + timedelta(minutes=rng.randint(40, 240))
    ev(t, sec or chief, "resolve", {"resolution": "on_site", "note": iss["resolve_note"]})
    t = t + timedelta(minutes=rng.randint(120, 600))
    ev(t, chief, "verify", {"passed": True, "note": "复查消防通道畅通"})
    ev(t + timedelta(minutes=rng.randint(10, 60)), chief, "close", {})


def round_of_dispatch(iss, depts, reason, chief, t, rng, clk, ev, start, resolve=True, finish=None, note=None):
    """One whistle: dispatch `depts`, each acknowledges, arrives and finishes; then (start and) resolve."""
    ev(t, chief, "dispatch", {"departments": list(depts), "reason": reason})
    arrives, dones = [], []
    for d in depts:
        ta = clk.after(t, 8, 90, False)
        ev(ta, STAFF_OF[d], "acknowledge", {"department": d})
        tr = clk.after(ta, 30, 5 * H)
        ev(tr, STAFF_OF[d], "arrive", {"department": d})
        arrives.append(tr)
        if finish is None or d in finish:
            td = clk.after(tr, 3 * H, rng.choice((2, 4, 8)) * D)
            ev(td, STAFF_OF[d], "done", {"department": d})
            dones.append(td)
    t = max(arrives)
    if start:
        t = clk.after(t, 5, 90)
        ev(t, chief, "start", {})
    if not resolve:
        return t
    t = clk.after(max([t] + dones), 30, 20 * H)
    note = note or iss.get("resolve_note") or TEAM_NOTE[iss["category"]]
    ev(t, chief, "resolve", {"resolution": "team", "note": note})
    return t


def on_site_flow(iss, team, rng, clk, ev):
    chief, sec = team["chief"], team["secretary"]
    t = clk.after(iss["reported_at"], 10, 8 * H)
    acc = rng.choice([chief, sec]) if sec else chief
    ev(t, acc, "accept", {})
    due_ev = ev(clk.after(t, 2, 10, False), acc, "set_due", {"due_at": None}) if rng.random() < 0.3 else None
    t = clk.after(t, 20, rng.choice((3 * H, 8 * H, 30 * H)))
    note = iss.get("resolve_note") or ON_SITE_NOTE[iss["category"]]
    ev(t, sec if sec and rng.random() < 0.7 else chief, "resolve", {"resolution": "on_site", "note": note})
    t = clk.after(t, 60, 3 * D)
    ev(t, chief, "verify", {"passed": True, "note": "回访居民，问题已解决"})
    if due_ev is not None:
        due_ev[4]["due_at"] = iso(at((t + timedelta(days=rng.choice((0, 1, 2)))).date(), 17, 30))
    ev(clk.after(t, 5, 6 * H), chief, "close", {})


def open_flow(iss, team, rng, clk, ev):
    state, cat = iss["open_state"], iss["category"]
    if state == "reported":
        return
    chief, sec = team["chief"], team["secretary"]
    t = clk.after(iss["reported_at"], 30, 20 * H)
    ev(t, rng.choice([chief, sec]) if sec else chief, "accept", {})
    due = at((iss["reported_at"] + timedelta(days=CAT[cat]["sla"])).date(), 17, 30)
    assert (due < OVERDUE_AT) if iss["overdue"] else (due > NOT_OVERDUE_AFTER), iss
    t = clk.after(t, 2, 15, False)
    ev(t, chief, "set_due", {"due_at": iso(due)})
    if state == "accepted":
        return
    base, extra = DEPTS_FOR[cat]
    depts = iss.get("depts") or list(base)
    t = clk.after(t, 30, 12 * H)
    if state == "dispatched":
        round_of_dispatch(
            iss, depts, DISPATCH_REASON[cat], chief, t, rng, clk, ev, start=False, resolve=False, finish=depts[:-1]
        )
        return
    if state == "in_progress":
        round_of_dispatch(
            iss, depts, DISPATCH_REASON[cat], chief, t, rng, clk, ev, start=True, resolve=False, finish=depts[:-1]
        )
        return
    # in_progress after a failed acceptance (re-opened)
    t = round_of_dispatch(iss, depts, DISPATCH_REASON[cat], chief, t, rng, clk, ev, start=True)
    t = clk.after(t, 1 * D, 3 * D)
    ev(t, chief, "verify", {"passed": False, "note": "验收未通过：油烟检测仍超标，需重新整改"})


def story_flow(iss, rng, ev):
    """DT-2020-00001, the 银湖南路 cooking-fumes story, event by event."""
    c, s = "chief", {d: STAFF_OF[d] for d in ("market_reg", "environment", "urban_mgmt")}
    day = lambda dd, hh, mm: datetime(2020, 5, dd, hh, mm, tzinfo=TZ)  # noqa: E731
    ev(day(6, 14, 0), c, "accept", {})
    ev(day(6, 14, 10), c, "set_due", {"due_at": iso(day(27, 17, 30))})
    ev(
        day(7, 9, 0),
        c,
        "dispatch",
        {
            "departments": ["market_reg", "environment", "urban_mgmt"],
            "reason": "街长吹哨：美食街餐馆未装油烟净化器、夜间噪声扰民，召集市场监管、生态环境、城管联合整治",
        },
    )
    for k, d in enumerate(("market_reg", "environment", "urban_mgmt")):
        ev(day(7, 9, 20 + 8 * k), s[d], "acknowledge", {"department": d})
    for k, d in enumerate(("market_reg", "environment", "urban_mgmt")):
        ev(day(7, 14, 30 + 10 * k), s[d], "arrive", {"department": d})
    ev(day(12, 16, 0), s["market_reg"], "done", {"department": "market_reg"})
    ev(day(13, 11, 0), s["environment"], "done", {"department": "environment"})
    ev(day(13, 20, 30), s["urban_mgmt"], "done", {"department": "urban_mgmt"})
    ev(day(14, 9, 0), c, "start", {})
    ev(
        day(15, 17, 0),
        c,
        "resolve",
        {"resolution": "team", "note": "第一次整改：美食街12家餐馆全部加装油烟净化器，城管规范夜间露天经营"},
    )
    ev(day(18, 10, 0), c, "verify", {"passed": False, "note": "首次验收未通过：3家餐馆油烟排放仍超标，居民仍有意见"})
    ev(day(18, 15, 0), c, "dispatch", {"departments": ["market_reg"], "reason": "第二轮整改：督促超标餐馆改造排烟管道"})
    ev(day(18, 15, 40), s["market_reg"], "acknowledge", {"department": "market_reg"})
    ev(day(19, 9, 30), s["market_reg"], "arrive", {"department": "market_reg"})
    ev(day(25, 16, 0), s["market_reg"], "done", {"department": "market_reg"})
    ev(
        day(26, 11, 0),
        c,
        "resolve",
        {"resolution": "team", "note": "第二次整改：排烟管道加高至楼顶高空排放，约定晚上十点后停止露天经营"},
    )
    ev(day(27, 10, 0), c, "verify", {"passed": True, "note": "按约定验收时间复检，油烟达标，居民满意"})
    ev(day(27, 11, 0), c, "close", {})
