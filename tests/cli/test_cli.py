"""The flask commands as a user runs them."""

import csv
import io
import json

from sqlalchemy import text


def test_report_json_over_the_demo_period(runner):
    result = runner.invoke(args=["report", "--start", "2020-05-01", "--end", "2020-11-06", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["visits"] >= 800
    assert (
        report["issues_collected"],
        report["solved_on_site"],
        report["solved_by_team"],
        report["fire_lanes_opened"],
    ) == (265, 89, 151, 5)
    assert report["open"] + report["solved_on_site"] + report["solved_by_team"] + report["rejected"] == 265
    assert "overdue" in report


def test_report_text_and_csv_give_the_same_figures(runner):
    args = ["report", "--start", "2020-05-01", "--end", "2020-11-06"]
    text_out = runner.invoke(args=args + ["--format", "text"]).output
    assert "issues_collected" in text_out and " 265 " in text_out and "现场解决" in text_out
    rows = list(csv.DictReader(io.StringIO(runner.invoke(args=args + ["--format", "csv"]).output)))
    totals = {r["key"]: int(r["value"]) for r in rows if r["section"] == "total"}
    assert totals["solved_on_site"] == 89 and totals["solved_by_team"] == 151 and totals["fire_lanes_opened"] == 5


def test_report_refuses_bad_dates(runner):
    result = runner.invoke(args=["report", "--start", "2020-13-01", "--end", "2020-11-06"])
    assert result.exit_code == 2 and "start" in result.output
    result = runner.invoke(args=["report", "--start", "2020-11-06", "--end", "2020-05-01"])
    assert result.exit_code == 2 and "end" in result.output


def test_load_demo_twice_changes_nothing(runner, session):
    def counts():
        return session.execute(
            text("""SELECT (SELECT count(*) FROM issues), (SELECT count(*) FROM issue_events),
            (SELECT count(*) FROM street_segments), (SELECT count(*) FROM users), (SELECT count(*) FROM visits),
            (SELECT count(*) FROM dispatches), (SELECT count(*) FROM fire_lane_status_events)""")
        ).one()

    before = counts()
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    assert counts() == before
    assert "issues +0" in result.output


def test_create_user_and_duplicate(runner, session):
    ok = runner.invoke(args=["create-user", "newchief", "--role", "chief", "--password", "s3cret-pass"])
    assert ok.exit_code == 0, ok.output
    assert session.execute(text("SELECT role FROM users WHERE username = 'newchief'")).scalar() == "chief"
    again = runner.invoke(args=["create-user", "newchief", "--role", "chief", "--password", "s3cret-pass"])
    assert again.exit_code == 2 and "exists" in again.output
    bad = runner.invoke(args=["create-user", "x2", "--role", "staff", "--password", "s3cret-pass"])
    assert bad.exit_code == 2 and "department" in bad.output
