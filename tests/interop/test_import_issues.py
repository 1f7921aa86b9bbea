"""Issues in bulk: a foreign CSV with a column and category mapping, every bad row named, all or nothing."""

from __future__ import annotations

import csv

import numpy as np
from sqlalchemy import text

from geo_app.domain.importers.issues.csv_import import Mapping, import_issues
from geo_app.domain.workflow.intake import IntakeSettings

HEADER = ["Id", "Type", "Where", "X", "Y", "Opened", "Closed", "State", "Text"]


def _near(session, code: str, dy: float = 0.0001) -> tuple[float, float]:
    return session.execute(
        text("""SELECT ST_X(p) + 0, ST_Y(p) + :dy FROM (SELECT ST_LineInterpolatePoint(geom, 0.5) p
        FROM street_segments WHERE code = :c) q"""),
        {"c": code, "dy": dy},
    ).one()


def _foreign_csv(session, path):
    lon, lat = _near(session, "YHNL-03")
    lon2, lat2 = (
        _near(session, "FYL-01")
        if session.execute(text("SELECT 1 FROM street_segments WHERE code = 'FYL-01'")).first()
        else _near(session, "YHNL-05")
    )
    rows = [
        ["EX-2021-00001", "油烟", f"POINT({lon} {lat})", "", "", "2021-03-01T09:20:00+08:00", "", "open", "饭店油烟"],
        [
            "EX-2021-00002",
            "噪音",
            f"({lat2}, {lon2})",
            "",
            "",
            "2021/03/02 21:05",
            "2021-03-04 10:00",
            "closed",
            "夜间施工",
        ],
        ["EX-2021-00003", "noise", "", str(lon), str(lat), "2021-03-03 08:00", "", "", "用默认状态"],
        ["EX-2021-00004", "油烟", "", "", "", "2021-03-03", "", "open", "no location"],
        ["EX-2021-00005", "油烟", "POINT(0 0)", "", "", "2021-03-03", "", "open", "null island"],
        ["EX-2021-00006", "油烟", "", "116.4", "39.9", "2021-03-03", "", "open", "Beijing"],
        ["EX-2021-00007", "ufo", "", str(lon), str(lat), "2021-03-03", "", "open", "unknown category"],
        ["EX-2021-00008", "油烟", "", str(lon), str(lat), "next tuesday-ish", "", "open", "bad date"],
        ["EX-2021-00009", "油烟", "", str(lon), str(lat), "2021-03-05", "2021-03-01", "closed", "closed early"],
        ["EX-2021-00010", "油烟", "", str(lon), str(lat), "2021-03-05", "", "lost", "bad status"],
        ["EX-2021-00011", "油烟", "", str(lon), str(lat), "2021-03-05", "", "open", "<script>x</script>"],
    ]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return rows


MAP_ARGS = [
    "--map",
    "id=Id",
    "--map",
    "category=Type",
    "--map",
    "point=Where",
    "--map",
    "lon=X",
    "--map",
    "lat=Y",
    "--map",
    "opened=Opened",
    "--map",
    "closed=Closed",
    "--map",
    "status=State",
    "--map",
    "description=Text",
    "--category",
    "油烟=cooking_fumes",
    "--category",
    "噪音=noise",
    "--no-progress",
]


def test_foreign_csv_with_mapping_names_every_bad_row(runner, session, tmp_path):
    path = tmp_path / "foreign.csv"
    _foreign_csv(session, path)
    before = session.execute(text("SELECT count(*) FROM issues")).scalar()
    out = runner.invoke(args=["import-issues", str(path), *MAP_ARGS])
    assert out.exit_code == 0, out.output
    assert "read 11, inserted 3" in out.output and "rejected 8" in out.output
    with open(tmp_path / "foreign.rejected.csv", newline="", encoding="utf-8") as f:
        rejected = {r["Id"]: r for r in csv.DictReader(f)}
    expected = {
        "EX-2021-00004": "lon",
        "EX-2021-00005": "lon",
        "EX-2021-00006": "lon",
        "EX-2021-00007": "category",
        "EX-2021-00008": "reported_at",
        "EX-2021-00009": "closed_at",
        "EX-2021-00010": "status",
        "EX-2021-00011": "description",
    }
    assert {k: r["field"] for k, r in rejected.items()} == expected
    assert "service area" in rejected["EX-2021-00006"]["reason"] and "0,0" in rejected["EX-2021-00005"]["reason"]
    assert rejected["EX-2021-00007"]["line"] == "8"
    got = {
        r.ref: r
        for r in session.execute(
            text("""SELECT i.ref, i.category, i.status, i.resolution,
        i.reported_at, i.closed_at, s.code AS seg, (SELECT array_agg(e.action ORDER BY e.id) FROM issue_events e
        WHERE e.issue_id = i.id) AS actions FROM issues i LEFT JOIN street_segments s ON s.id = i.segment_id
        WHERE i.ref LIKE 'EX-%'""")
        ).all()
    }
    assert session.execute(text("SELECT count(*) FROM issues")).scalar() == before + 3
    assert got["EX-2021-00001"].category == "cooking_fumes" and got["EX-2021-00001"].seg == "YHNL-03"
    assert got["EX-2021-00001"].actions == ["report"]
    closed = got["EX-2021-00002"]
    assert (closed.category, closed.status, closed.resolution) == ("noise", "closed", "team")
    assert closed.actions == ["report", "resolve", "verify", "close"]
    assert closed.reported_at.isoformat() == "2021-03-02T13:05:00+00:00"  # naive = Asia/Shanghai
    assert got["EX-2021-00003"].status == "reported"
    again = runner.invoke(args=["import-issues", str(path), *MAP_ARGS])
    assert "inserted 0" in again.output and "already there 3" in again.output


def test_broken_files_store_nothing(runner, session, tmp_path):
    before = session.execute(text("SELECT count(*) FROM issues")).scalar()
    missing = tmp_path / "missing.csv"
    missing.write_text("Id,Type\nA,noise\n", encoding="utf-8")
    out = runner.invoke(args=["import-issues", str(missing), "--no-progress"])
    assert out.exit_code == 2 and "missing column" in out.output
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage\x00")
    out = runner.invoke(args=["import-issues", str(binary), "--no-progress"])
    assert out.exit_code == 2 and "file" in out.output
    assert session.execute(text("SELECT count(*) FROM issues")).scalar() == before


def test_memory_and_sql_linking_agree(session, tmp_path):
    rng = np.random.default_rng(6)
    lo = session.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            "(SELECT ST_Extent(geom) e FROM street_segments) q"
        )
    ).one()
    path = tmp_path / "many.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["ref", "category", "lon", "lat", "reported_at"])
        for k in range(400):
            writer.writerow(
                [
                    f"MM-2021-{k + 1:05d}",
                    "noise",
                    rng.uniform(lo[0], lo[2]),
                    rng.uniform(lo[1], lo[3]),
                    "2021-04-01 10:00",
                ]
            )
    links = {}
    for method in ("memory", "sql"):
        nested = session.begin_nested()
        result = import_issues(session, path, IntakeSettings(), Mapping(), snap=method)
        assert result.inserted + len(result.rejected) == 400 and result.snap_method == method
        links[method] = dict(session.execute(text("SELECT ref, segment_id FROM issues WHERE ref LIKE 'MM-%'")).all())
        nested.rollback()
    assert links["memory"] == links["sql"] and any(v is not None for v in links["sql"].values())
