"""The report read from the rollups equals the report computed live from issues and events.

The rollups (migration 0005) are kept by triggers: after every kind of change they must equal a fresh
aggregation of the issues, and the report built on them must give the live query's figures for any period
and team, including issues whose state changed after the period's end.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from geo_app.domain.analysis.reports import report as reports
from geo_app.domain.core.periods import split_period
from geo_app.domain.datasets.synth import synth_city
from tests.factories import act, at, new_issue

DEMO = (date(2020, 5, 1), date(2020, 11, 6))
NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
FRESH = {
    "report_cohorts": """
        SELECT date_trunc('month', reported_at AT TIME ZONE deployment_zone())::date, category, team_id, status,
               resolution, count(*) FROM issues GROUP BY 1, 2, 3, 4, 5""",
    "report_segment_years": """
        SELECT extract(year FROM reported_at AT TIME ZONE deployment_zone())::int, segment_id, count(*)
        FROM issues WHERE segment_id IS NOT NULL GROUP BY 1, 2""",
    "report_resolve_hist": """
        SELECT date_trunc('month', reported_at AT TIME ZONE deployment_zone())::date, team_id,
               width_bucket((extract(epoch FROM resolved_at - reported_at) / 3600.0)::float8, report_hour_edges()),
               count(*)
        FROM issues WHERE status IN ('resolved', 'verified', 'closed') AND resolved_at IS NOT NULL
        GROUP BY 1, 2, 3""",
}


@pytest.fixture(autouse=True)
def no_fallback(caplog):
    """The rollup path must answer by itself: a fallback to the live query would hide a wrong rollup."""
    yield
    assert not [r for r in caplog.records if "rollups disagree" in r.getMessage()]


def assert_rollups_exact(session):
    for table, fresh in FRESH.items():
        stored = session.execute(text(f"SELECT * FROM {table} WHERE n <> 0")).all()
        assert sorted(map(tuple, stored), key=repr) == sorted(
            map(tuple, session.execute(text(fresh)).all()), key=repr
        ), table


def assert_same_report(session, start, end, area=None):
    fast = reports.figures(session, start, end, area, now=NOW)
    live = reports.figures(session, start, end, area, now=NOW, live=True)
    assert fast == live, (start, end, area)
    return fast


def test_split_period_into_whole_months_and_edge_days():
    assert split_period(date(2025, 1, 1), date(2025, 12, 31)) == ((date(2025, 1, 1), date(2026, 1, 1)), [])
    assert split_period(date(2025, 1, 15), date(2025, 3, 10)) == (
        (date(2025, 2, 1), date(2025, 3, 1)),
        [(date(2025, 1, 15), date(2025, 2, 1)), (date(2025, 3, 1), date(2025, 3, 11))],
    )
    assert split_period(date(2025, 3, 2), date(2025, 3, 30)) == (None, [(date(2025, 3, 2), date(2025, 3, 31))])
    assert split_period(date(2025, 12, 1), date(2025, 12, 31)) == ((date(2025, 12, 1), date(2026, 1, 1)), [])


def test_rollups_equal_a_fresh_aggregation_of_the_demo(session):
    assert (
        session.execute(text("SELECT sum(n) FROM report_cohorts")).scalar()
        == session.execute(text("SELECT count(*) FROM issues")).scalar()
        > 0
    )
    assert_rollups_exact(session)


PERIODS = [
    DEMO,
    (date(2020, 5, 17), date(2020, 8, 3)),
    (date(2020, 6, 15), date(2020, 6, 15)),
    (date(2020, 9, 30), date(2020, 10, 1)),
    (date(2019, 1, 1), date(2019, 12, 31)),
    (date(2020, 1, 1), date(2021, 12, 31)),
] + [(date(2020, m, 1), date(2020, m + 1, 1) - timedelta(days=1)) for m in range(5, 12)]


@pytest.mark.parametrize("period", PERIODS, ids=[f"{a}..{b}" for a, b in PERIODS])
def test_the_demo_report_is_the_live_report(session, period):
    r = assert_same_report(session, *period)
    if period == DEMO:
        assert (r["issues_collected"], r["solved_on_site"], r["solved_by_team"]) == (265, 89, 151)


def test_each_team_report_is_the_live_report(session):
    teams = session.execute(text("SELECT code FROM teams ORDER BY code")).scalars().all()
    assert teams
    for code in teams:
        for period in (DEMO, (date(2020, 6, 10), date(2020, 9, 20))):
            assert_same_report(session, *period, reports.Area("team", code))


def test_changes_after_the_period_leave_its_report_as_the_events_say(session):
    march = (date(2021, 3, 1), date(2021, 3, 31))
    a = new_issue(session, "noise", "2021-03-30")
    b = new_issue(session, "cooking_fumes", "2021-03-31")
    c = new_issue(session, "noise", "2021-03-10")
    act(session, c, "accept", "chief", "2021-03-11")
    act(session, c, "resolve", "secretary", "2021-03-12", resolution="on_site")
    before = assert_same_report(session, *march)
    # after the end of March: a is solved, b accepted and solved by the team, c reopened... as the workflow allows
    act(session, a, "accept", "chief", "2021-04-02")
    act(session, a, "resolve", "secretary", "2021-04-03", resolution="on_site")
    act(session, b, "accept", "chief", "2021-04-01")
    act(session, b, "resolve", "chief", "2021-04-05", resolution="team")
    act(session, b, "verify", "chief", "2021-04-06", passed=True)
    after = assert_same_report(session, *march)
    for key in ("issues_collected", "solved_on_site", "solved_by_team", "open", "time_to_resolve", "by_category"):
        assert after[key] == before[key], key
    april = assert_same_report(session, date(2021, 3, 1), date(2021, 4, 30))
    assert april["solved_on_site"] == before["solved_on_site"] + 1
    assert april["solved_by_team"] == before["solved_by_team"] + 1
    assert_rollups_exact(session)


def test_an_action_dated_before_the_last_change_keeps_updated_at(session):
    issue = new_issue(session, "noise", "2021-03-10")
    act(session, issue, "accept", "chief", "2021-03-12")
    act(session, issue, "start", "chief", "2021-03-11")  # recorded late, dated earlier
    assert issue.updated_at == at("2021-03-12", 11)
    late_events = session.execute(
        text("""
        SELECT count(*) FROM issue_events e JOIN issues i ON i.id = e.issue_id
        WHERE e.to_status IS NOT NULL AND e.at > i.updated_at""")
    ).scalar()
    assert late_events == 0


def test_updates_and_deletes_keep_the_rollups_exact(session):
    session.execute(
        text("""
        UPDATE issues SET team_id = (SELECT min(id) FROM teams), category = 'noise'
        WHERE id IN (SELECT id FROM issues ORDER BY id LIMIT 20)""")
    )
    session.execute(
        text("""
        UPDATE issues SET segment_id = (SELECT max(id) FROM street_segments),
                          resolved_at = resolved_at - interval '5 hours'
        WHERE id IN (SELECT id FROM issues WHERE resolved_at IS NOT NULL ORDER BY id DESC LIMIT 15)""")
    )
    session.execute(text("UPDATE issues SET priority = priority"))  # touches no rolled-up column
    session.execute(
        text("""
        INSERT INTO issues (ref, category, description, geom, channel, status, reported_at, updated_at)
        SELECT 'DEL-' || g, 'noise', 'gone soon', ST_SetSRID(ST_MakePoint(111.3, 23.5), 4326), 'web',
               'reported', timestamptz '2020-07-01 10:00+08' + g * interval '1 day', now()
        FROM generate_series(1, 40) g""")
    )
    assert_rollups_exact(session)
    session.execute(text("DELETE FROM issues WHERE ref LIKE 'DEL-%' AND reported_at < '2020-07-20'"))
    assert_rollups_exact(session)
    assert_same_report(session, *DEMO)
    assert_same_report(session, date(2020, 7, 3), date(2020, 8, 9))


def test_a_synthetic_city_report_is_the_live_report(session):
    synth_city(session, segments=400, issues=6000, seed=11, year=2024)
    assert_rollups_exact(session)
    year = assert_same_report(session, date(2024, 1, 1), date(2024, 12, 31))
    assert year["issues_collected"] >= 6000 and year["time_to_resolve"]["solved"] > 3000
    assert len(year["by_segment"]) == reports.TOP_SEGMENTS
    for period in (
        (date(2024, 3, 1), date(2024, 3, 31)),
        (date(2024, 2, 10), date(2024, 5, 20)),
        (date(2024, 12, 24), date(2025, 1, 3)),
        (date(2024, 6, 1), date(2024, 6, 1)),
    ):
        assert_same_report(session, *period)
    team = session.execute(
        text(
            "SELECT t.code FROM teams t JOIN issues i ON i.team_id = t.id "
            "WHERE i.ref LIKE 'SYN11-%' GROUP BY t.code ORDER BY count(*) DESC LIMIT 1"
        )
    ).scalar()
    assert_same_report(session, date(2024, 1, 1), date(2024, 12, 31), reports.Area("team", team))
    assert_same_report(session, date(2024, 4, 5), date(2024, 9, 9), reports.Area("team", team))


@pytest.mark.parametrize("bulk_min_rows", [0, None], ids=["bulk path", "small path"])
def test_imported_issues_keep_the_rollups_and_the_report_exact(session, tmp_path, bulk_min_rows):
    from geo_app.domain.importers.issues.csv_import import import_issues
    from geo_app.domain.workflow.intake import IntakeSettings
    from tests.interop.test_import_bulk import _write_csv

    path = tmp_path / "issues.csv"
    _write_csv(session, path)
    result = import_issues(session, path, IntakeSettings(), bulk_min_rows=bulk_min_rows)
    assert result.inserted > 200 and result.bulk == (bulk_min_rows == 0)
    assert_rollups_exact(session)
    # the in-flight lookup relies on updated_at never being older than a state change
    assert (
        session.execute(
            text("""
        SELECT count(*) FROM issue_events e JOIN issues i ON i.id = e.issue_id
        WHERE e.to_status IS NOT NULL AND e.at > i.updated_at""")
        ).scalar()
        == 0
    )
    for period in (
        (date(2021, 1, 1), date(2021, 12, 31)),
        (date(2021, 3, 5), date(2021, 7, 14)),
        (date(2021, 9, 1), date(2021, 9, 30)),
    ):
        assert_same_report(session, *period)
