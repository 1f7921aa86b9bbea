"""The report comes from the data: the demo's figures, and correct figures for data made here."""

from datetime import date

import pytest
from sqlalchemy import text

from geo_app.domain.analysis.reports import report as reports
from geo_app.domain.errors import ValidationError
from tests.factories import act, at, new_issue

DEMO = (date(2020, 5, 1), date(2020, 11, 6))


def test_demo_period_reproduces_the_district_figures(session):
    r = reports.figures(session, *DEMO)
    assert r["visits"] >= 800
    assert (r["issues_collected"], r["solved_on_site"], r["solved_by_team"]) == (265, 89, 151)
    assert r["fire_lanes_opened"] == 5
    assert r["open"] == 265 - 89 - 151 - r["rejected"]
    assert 0 < r["overdue"] <= r["open"]
    assert sum(c["issues_collected"] for c in r["by_category"]) == 265


def test_a_period_of_data_made_here(session):
    a = new_issue(session, "noise", "2021-03-01")
    b = new_issue(session, "cooking_fumes", "2021-03-01")
    c = new_issue(session, "noise", "2021-03-02")
    d = new_issue(session, "dog_keeping", "2021-03-02")
    e = new_issue(session, "noise", "2021-03-03")
    new_issue(session, "noise", "2021-04-02")  # outside the period
    act(session, a, "accept", "chief", "2021-03-01")
    act(session, a, "resolve", "secretary", "2021-03-02", resolution="on_site")
    act(session, b, "accept", "chief", "2021-03-01")
    act(session, b, "dispatch", "chief", "2021-03-01", departments=["market_reg"], reason="油烟")
    act(session, b, "resolve", "chief", "2021-03-04", resolution="team")
    act(session, b, "verify", "chief", "2021-03-05", passed=True)
    act(session, b, "close", "chief", "2021-03-05")
    act(session, d, "reject", "chief", "2021-03-03", reason="不属于街道职责")
    act(session, e, "merge", "chief", "2021-03-03", into=c.ref)
    session.execute(
        text("""INSERT INTO visits (hall_id, visited_at, people)
                            SELECT id, :t, 3 FROM reception_halls ORDER BY id LIMIT 1"""),
        {"t": at("2021-03-02")},
    )
    session.execute(
        text("""INSERT INTO fire_lane_status_events (fire_lane_id, at, from_status, to_status)
                            SELECT id, :t, 'blocked', 'clear' FROM fire_lanes ORDER BY id LIMIT 1"""),
        {"t": at("2021-03-20")},
    )

    march = reports.figures(session, date(2021, 3, 1), date(2021, 3, 31), now=at("2021-06-01"))
    assert {k: march[k] for k in reports.HEADLINE + ("rejected",)} == {
        "visits": 3,
        "issues_collected": 4,
        "solved_on_site": 1,
        "solved_by_team": 1,
        "open": 1,
        "overdue": 1,
        "fire_lanes_opened": 1,
        "rejected": 1,
    }

    # At the end of 2 March, b is still with the departments and c is not yet due.
    early = reports.figures(session, date(2021, 3, 1), date(2021, 3, 2), now=at("2021-06-01"))
    assert (
        early["issues_collected"],
        early["solved_on_site"],
        early["solved_by_team"],
        early["open"],
        early["overdue"],
        early["visits"],
        early["fire_lanes_opened"],
    ) == (4, 1, 0, 3, 0, 3, 0)


def test_area_filters_and_bad_areas(session):
    everywhere = reports.figures(session, *DEMO)
    community = reports.figures(session, *DEMO, area=reports.parse_area("FY"))
    assert 0 < community["issues_collected"] < everywhere["issues_collected"]
    team_code = session.execute(
        text("""SELECT t.code FROM teams t JOIN team_segments ts ON ts.team_id = t.id
        JOIN street_segments s ON s.id = ts.segment_id WHERE s.street_name = '银湖南路' LIMIT 1""")
    ).scalar()
    team = reports.figures(session, *DEMO, area=reports.parse_area(f"team:{team_code}"))
    assert 0 < team["issues_collected"] < everywhere["issues_collected"]
    with pytest.raises(ValidationError) as err:
        reports.figures(session, *DEMO, area=reports.parse_area("NOWHERE"))
    assert err.value.field == "area"
    with pytest.raises(ValidationError) as err:
        reports.figures(session, date(2020, 6, 1), date(2020, 5, 1))
    assert err.value.field == "end"


def test_empty_period_gives_zeros(session):
    r = reports.figures(session, date(2019, 1, 1), date(2019, 1, 31))
    assert all(r[k] == 0 for k in reports.HEADLINE) and r["by_category"] == []
