"""The report's breakdowns and its fast path, against plain per-issue replays of the same data."""

from datetime import UTC, date, datetime

import numpy as np
import pytest
from sqlalchemy import text

from geo_app.domain.analysis.reports import report as reports
from geo_app.domain.core.validation import period_bounds
from tests.factories import act, new_issue

# The original definition: every issue's state at the end looked up in its events.
REFERENCE = """
SELECT i.id, i.category, i.team_id, i.segment_id, i.due_at, i.reported_at, s.to_status AS status,
       r.resolution, r.at AS resolved_at
FROM issues i
CROSS JOIN LATERAL (SELECT e.to_status FROM issue_events e WHERE e.issue_id = i.id AND e.at < :hi
                    AND e.to_status IS NOT NULL ORDER BY e.at DESC, e.id DESC LIMIT 1) s
LEFT JOIN LATERAL (SELECT e.data->>'resolution' AS resolution, e.at FROM issue_events e
                   WHERE e.issue_id = i.id AND e.action = 'resolve' AND e.at < :hi
                   ORDER BY e.at DESC, e.id DESC LIMIT 1) r ON TRUE
WHERE i.reported_at >= :lo AND i.reported_at < :hi"""
OPEN = ("reported", "accepted", "dispatched", "in_progress")
SOLVED = ("resolved", "verified", "closed")


def _reference(session, start, end):
    lo, hi = period_bounds(start, end)
    rows = session.execute(text(REFERENCE), {"lo": lo, "hi": hi}).mappings().all()
    asof = min(hi, datetime.now(UTC))

    def counts(rs):
        return {
            "issues_collected": sum(r["status"] != "duplicate" for r in rs),
            "solved_on_site": sum(r["status"] in SOLVED and r["resolution"] == "on_site" for r in rs),
            "solved_by_team": sum(r["status"] in SOLVED and r["resolution"] == "team" for r in rs),
            "open": sum(r["status"] in OPEN for r in rs),
            "overdue": sum(r["status"] in OPEN and r["due_at"] is not None and r["due_at"] < asof for r in rs),
            "rejected": sum(r["status"] == "rejected" for r in rs),
        }

    hours = [(r["resolved_at"] - r["reported_at"]).total_seconds() / 3600 for r in rows if r["status"] in SOLVED]
    by_cat = {c: counts([r for r in rows if r["category"] == c]) for c in {r["category"] for r in rows}}
    by_team = {t: counts([r for r in rows if r["team_id"] == t]) for t in {r["team_id"] for r in rows}}
    return counts(rows), by_cat, by_team, hours


@pytest.mark.parametrize(
    "start,end",
    [
        ("2020-05-01", "2020-11-06"),
        ("2020-05-01", "2020-06-15"),
        ("2020-06-10", "2020-06-12"),
        ("2020-09-01", "2020-10-31"),
        ("2020-11-01", "2020-11-06"),
    ],
)
def test_fast_path_equals_the_per_issue_replay(session, start, end):
    start, end = date.fromisoformat(start), date.fromisoformat(end)
    total, by_cat, by_team, hours = _reference(session, start, end)
    r = reports.figures(session, start, end)
    assert {k: r[k] for k in total} == total
    assert {c["category"]: {k: c[k] for k in total} for c in r["by_category"]} == by_cat
    team_ids = dict(session.execute(text("SELECT code, id FROM teams")).all())
    assert {team_ids.get(t["team"]): {k: t[k] for k in total} for t in r["by_team"]} == by_team
    assert r["time_to_resolve"]["solved"] == len(hours)
    if hours:
        assert r["time_to_resolve"]["median_h"] == pytest.approx(np.median(hours), abs=0.051)
        assert r["time_to_resolve"]["p90_h"] == pytest.approx(np.percentile(hours, 90), abs=0.051)


def test_fast_path_with_changes_after_the_period(session):
    a = new_issue(session, "noise", "2021-03-01")
    act(session, a, "accept", "chief", "2021-03-01")
    act(session, a, "resolve", "secretary", "2021-03-02", resolution="on_site")
    act(session, a, "verify", "chief", "2021-03-05", passed=False, note="还是吵")
    act(session, a, "resolve", "chief", "2021-03-09", resolution="team")
    for end, expected in (
        ("2021-03-01", (0, 0, 1)),
        ("2021-03-03", (1, 0, 0)),
        ("2021-03-06", (0, 0, 1)),
        ("2021-03-31", (0, 1, 0)),
    ):
        r = reports.figures(session, date(2021, 3, 1), date.fromisoformat(end))
        assert (r["solved_on_site"], r["solved_by_team"], r["open"]) == expected, end


def test_by_department_and_by_segment(session):
    start, end = date(2020, 5, 1), date(2020, 11, 6)
    lo, hi = period_bounds(start, end)
    rows = session.execute(
        text("""SELECT d.code, x.created_at, x.acknowledged_at, x.done_at FROM dispatches x
        JOIN departments d ON d.id = x.department_id WHERE x.created_at >= :lo AND x.created_at < :hi"""),
        {"lo": lo, "hi": hi},
    ).all()
    r = reports.figures(session, start, end)
    deps = {d["department"]: d for d in r["by_department"]}
    assert set(deps) == {row.code for row in rows}
    for code, d in deps.items():
        mine = [row for row in rows if row.code == code]
        ack = [(row.acknowledged_at - row.created_at).total_seconds() / 3600 for row in mine if row.acknowledged_at]
        done = [(row.done_at - row.created_at).total_seconds() / 3600 for row in mine if row.done_at]
        assert (d["dispatches"], d["acknowledged"], d["done"]) == (len(mine), len(ack), len(done))
        assert d["ack_median_h"] == pytest.approx(np.median(ack), abs=0.051)
        assert d["done_p90_h"] == pytest.approx(np.percentile(done, 90), abs=0.051)
    segs = r["by_segment"]
    assert len(segs) == reports.TOP_SEGMENTS
    counted = dict(
        session.execute(
            text("""SELECT s.code, count(*) FROM issues i JOIN street_segments s
        ON s.id = i.segment_id GROUP BY s.code""")
        ).all()
    )
    assert [s["issues_collected"] for s in segs] == sorted(counted.values(), reverse=True)[: reports.TOP_SEGMENTS]
    assert all(counted[s["code"]] == s["issues_collected"] for s in segs)
