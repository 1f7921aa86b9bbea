"""Organisation files: export → import is a no-op (round trip, idempotent), and a bad file stores nothing,
with every rejected row named by line or feature and field."""

from __future__ import annotations

import json

from sqlalchemy import text

from geo_app.domain.organisation import batch, files
from geo_app.domain.organisation.audit import Actor
from tests.workflow.helpers import count

ACTOR = Actor(None, "test")


def test_export_then_import_changes_nothing_and_exports_the_same_files(session, tmp_path):
    first = files.export(session, tmp_path / "a")
    assert [p.name for p in first] == [
        "channels.csv",
        "departments.csv",
        "categories.csv",
        "areas.geojson",
        "halls.geojson",
        "compounds.geojson",
        "teams.geojson",
        "users.csv",
    ]
    audited = count(session, "org_audit")
    for path in first:
        outcome = batch.apply(session, files.read(path), ACTOR)
        assert not outcome.changed, (path.name, outcome.changed)
    assert count(session, "org_audit") == audited
    second = files.export(session, tmp_path / "b")
    for a, b in zip(first, second, strict=True):
        assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8"), a.name
    cats = (tmp_path / "a" / "categories.csv").read_text(encoding="utf-8")
    assert "cooking_fumes,油烟,Cooking fumes,15,false,environment;market_reg" in cats


def test_the_cli_round_trip(runner, tmp_path):
    out = runner.invoke(args=["export-org", str(tmp_path)])
    assert out.exit_code == 0, out.output
    again = runner.invoke(args=["import-org", str(tmp_path / "teams.geojson")])
    assert again.exit_code == 0 and "teams 0 changed, 6 unchanged" in again.output, again.output


def _write(path, text_):
    path.write_text(text_, encoding="utf-8")
    return path


def test_a_bad_csv_stores_nothing_and_names_every_row(session, runner, tmp_path):
    before = {t: count(session, t) for t in ("departments", "categories", "org_audit")}
    path = _write(
        tmp_path / "bad.csv",
        "kind,code,name_zh,name_en,sla_days,departments\n"
        "department,parks,园林,Parks,,\n"  # fine on its own
        "category,potholes,坑洼,Potholes,5,parks;nowhere\n"  # unknown department
        "category,potholes,坑洼,Potholes,5,parks\n"  # duplicate code
        "category,lamps,路灯杆,Lamp posts,0,\n"  # sla_days out of range
        "spaceship,x1,飞船,Ship,,\n",  # unknown kind
    )
    out = runner.invoke(args=["import-org", str(path)])
    assert out.exit_code == 2
    assert "line 3: departments: unknown departments 'nowhere'" in out.output
    assert "line 4: code: category 'potholes' appears twice" in out.output
    assert "line 5: sla_days" in out.output
    assert "line 6: kind: must be one of" in out.output
    assert "nothing was stored" in out.output
    assert {t: count(session, t) for t in before} == before  # the good department was not kept either


def test_bad_geometry_and_a_hall_outside_every_area_are_refused(session, tmp_path):
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[111.27, 23.48], [111.28, 23.49], [111.28, 23.48], [111.27, 23.49], [111.27, 23.48]]],
    }
    far = {"type": "Point", "coordinates": [100.0, 10.0]}
    features = [
        ({"kind": "area", "code": "BOW", "name_zh": "蝴蝶", "level": "community", "parent": "DT"}, bowtie),
        ({"kind": "hall", "code": "FAR-HALL", "name_zh": "远方接待厅"}, far),
        ({"kind": "compound", "code": "CP-X", "name_zh": "新小区"}, None),
    ]
    doc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
    }
    with __import__("pytest").raises(batch.OrgImportFailed) as caught:
        batch.apply(session, files.parse(json.dumps(doc), ".geojson"), ACTOR)
    messages = [str(e) for e in caught.value.errors]
    assert any(m.startswith("feature 0: geometry: invalid polygon (Self-intersection") for m in messages), messages
    assert "feature 1: geometry: the point lies outside every administrative area" in messages
    assert "feature 2: geometry: is required" in messages
    assert session.execute(text("SELECT count(*) FROM admin_areas WHERE code = 'BOW'")).scalar() == 0
