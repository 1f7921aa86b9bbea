"""Fire lanes (linking, status with confirmation, history) and team coverage on the demo."""

from datetime import date

import pytest
from sqlalchemy import text

from geo_app.domain.analysis import coverage, fire_lanes
from geo_app.domain.analysis.reports import report
from geo_app.domain.errors import Forbidden, IllegalTransition, ValidationError
from geo_app.domain.workflow.intake import IntakeSettings, create_issue
from tests.factories import act, at, user


def _point_near_lane(session, code, offset_m, east_m=0):
    """Return lon/lat `offset_m` metres north of the middle of lane `code`, and its distance to every lane."""
    row = session.execute(
        text("""
        WITH p AS (SELECT ST_Translate(ST_LineInterpolatePoint(geom_m, 0.5), :e, :d) AS g
                   FROM fire_lanes WHERE code = :c)
        SELECT ST_X(ST_Transform(p.g, 4326)) AS lon, ST_Y(ST_Transform(p.g, 4326)) AS lat,
               (SELECT min(ST_Distance(f.geom_m, p.g)) FROM fire_lanes f) AS nearest FROM p"""),
        {"c": code, "d": offset_m, "e": east_m},
    ).one()
    return row.lon, row.lat, row.nearest


def _report(session, category, lon, lat):
    data = {"category": category, "description": "车辆堵塞消防通道", "lon": lon, "lat": lat, "channel": "phone"}
    data |= {"confirm_unlinked": True, "unlinked_reason": "测试：离街道较远"}  # some points lie beyond the snap
    return create_issue(
        session, data, user(session, "clerk"), IntakeSettings(fire_lane_link_m=30.0), reported_at=at("2021-03-01")
    )


def test_blocked_access_near_a_lane_is_linked_and_raised(session):
    lon, lat, nearest = _point_near_lane(session, "FL-05", 5)
    assert nearest < 30
    parked = _report(session, "illegal_parking", lon, lat)
    lane_id = session.execute(text("SELECT id FROM fire_lanes WHERE code = 'FL-05'")).scalar()
    assert parked.fire_lane_id == lane_id and parked.priority == 1
    noise = _report(session, "noise", lon, lat)
    assert noise.fire_lane_id is None and noise.priority == 3
    far = next(
        p
        for p in (_point_near_lane(session, "FL-05", d, e) for d in (45, 60, -45, -60) for e in (0, 45, -45))
        if 30 < p[2] < 70
    )
    away = _report(session, "obstruction", far[0], far[1])
    assert away.fire_lane_id is None and away.priority == 3


def test_demo_lanes_carry_people_and_history(session):
    fc = fire_lanes.lanes(session, history=True)
    lanes = {f["properties"]["code"]: f["properties"] for f in fc["features"]}
    assert (lanes["FL-01"]["households"], lanes["FL-01"]["residents"]) == (2150, 6500)
    assert lanes["FL-10"]["status"] == "blocked" and lanes["FL-10"]["open_blockages"] == 2
    assert [(h["from"], h["to"]) for h in lanes["FL-01"]["history"]][-1] == ("blocked", "clear")
    assert sum(p["times_opened"] for p in lanes.values()) == 5
    assert fire_lanes.lanes(session, status="clear")["features"]
    with pytest.raises(ValidationError):
        fire_lanes.lanes(session, status="open")


def test_a_lane_is_cleared_only_after_its_blockages_and_a_chief(session):
    chief = user(session, "chief")
    before = report.figures(session, date(2021, 3, 1), date(2021, 3, 31))["fire_lanes_opened"]
    with pytest.raises(IllegalTransition) as err:
        fire_lanes.set_status(session, "FL-10", "clear", chief, "看过了", at=at("2021-03-01"))
    assert err.value.field == "status" and err.value.details["open_blockages"] == 2
    with pytest.raises(Forbidden):
        fire_lanes.set_status(session, "FL-10", "partly_blocked", user(session, "staff"))
    blockers = (
        session.execute(
            text("""SELECT i.ref FROM issues i JOIN fire_lanes f ON f.id = i.fire_lane_id
        WHERE f.code = 'FL-10' AND i.status IN ('reported','accepted','dispatched','in_progress')""")
        )
        .scalars()
        .all()
    )
    from geo_app.models import Issue

    for ref in blockers:
        issue = session.query(Issue).filter_by(ref=ref).one()
        if issue.status == "reported":
            act(session, issue, "accept", "chief", "2021-03-01")
        act(session, issue, "resolve", "chief", "2021-03-02", resolution="on_site")
    events = session.execute(text("SELECT count(*) FROM fire_lane_status_events")).scalar()
    done = fire_lanes.set_status(session, "FL-10", "clear", chief, "通道已打通", at=at("2021-03-03"))
    assert done["changed"] and done["status"] == "clear"
    again = fire_lanes.set_status(session, "FL-10", "clear", chief, at=at("2021-03-04"))
    assert not again["changed"]
    assert session.execute(text("SELECT count(*) FROM fire_lane_status_events")).scalar() == events + 1
    history = fire_lanes.lane_history(session, "FL-10")["FL-10"]
    assert (history[-1]["from"], history[-1]["to"], history[-1]["actor"]) == ("blocked", "clear", "chief")
    after = report.figures(session, date(2021, 3, 1), date(2021, 3, 31))["fire_lanes_opened"]
    assert after == before + 1
    with pytest.raises(ValidationError) as err:
        fire_lanes.set_status(session, "FL-10", "open", chief)
    assert err.value.field == "status"


def test_coverage_gaps_overlaps_and_team_figures(session):
    cov = coverage.coverage(session, now=at("2020-11-06", 23))
    assert [f["properties"]["code"] for f in cov["uncovered"]["features"]] == ["LJX-01"]
    assert [(f["properties"]["code"], f["properties"]["teams"]) for f in cov["overlaps"]["features"]] == [
        ("ZWL-06", ["T-LG", "T-XA"])
    ]
    assert [f["properties"]["teams"] for f in cov["overlap_areas"]["features"]] == [["T-LG", "T-XA"]]
    teams = {f["properties"]["code"]: f["properties"] for f in cov["teams"]["features"]}
    expected = dict(
        session.execute(
            text("""SELECT t.code, count(i.id) FILTER (WHERE i.status IN
        ('reported','accepted','dispatched','in_progress')) FROM teams t LEFT JOIN issues i ON i.team_id = t.id
        GROUP BY t.code""")
        ).all()
    )
    assert {c: p["open"] for c, p in teams.items()} == expected
    assert sum(p["overdue"] for p in teams.values()) == 9 - 0  # the demo's nine overdue all have a team
    for p in teams.values():
        assert p["issues_per_km"] == pytest.approx(p["issues"] / p["km"], abs=0.15)
        assert p["segments"] > 0
