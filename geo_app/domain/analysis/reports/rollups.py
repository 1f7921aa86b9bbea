"""The report's cohort figures read from the rollups of migration 0005 rather than from every issue.

For a period [start, end] (local days) over the whole district or one team, this returns the same rows as
the live query in report.py (equality is tested in tests/analysis/test_report_rollups.py):
- counts by category, team, status and resolution: the months wholly inside the period come from
  report_cohorts, the days at its edges are counted live;
- the issues whose state changed at or after the period's end (those in flight then: reported before it and
  updated since, found through ix_issues_updated_at) are moved from their current state to their state at the
  end, read from their events exactly as the live query reads them;
- overdue = open at the end less the open issues not yet due then (a partial index holds open issues by due
  date, and at a period's end few are not yet due);
- top segments: exact counts (the live query on a handful of segments) for candidates taken in the order of
  an upper bound of their issues in the period (their years' issues from report_segment_years for long
  periods, their issues of the period for short ones), until no candidate left can enter the top N;
- time to resolve: the histogram of hours (report_resolve_hist) locates the two ranks each percentile
  interpolates between, and only the issues of those buckets are read (ix_issues_resolve_hours) and sorted.
This relies on issues.updated_at never being older than the issue's latest state change (workflow.actions
keeps it so; importers and synth write the time of the last event).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, text
from sqlalchemy.orm import Session

from geo_app.domain.core.localtime import zone as local_zone
from geo_app.domain.core.periods import split_period
from geo_app.vocab import OPEN_STATUSES, SOLVED_STATUSES, sql_in

HOURS = "(extract(epoch FROM i.resolved_at - i.reported_at) / 3600.0)::float8"
SOLVED_SQL = sql_in("i.status", SOLVED_STATUSES)
PERCENTILES = (0.5, 0.9)
COUNTED = ("issues_collected", "solved_on_site", "solved_by_team", "open", "rejected")

# (category, team, status, resolution) and (category, team) of issues
CountKey = tuple[str, int | None, str, str | None]
DueKey = tuple[str, int | None]
# {team: Counter(hours bucket: solved issues)}
Histogram = defaultdict[int | None, Counter[int]]
Months = tuple[date, date] | None
Edges = list[tuple[date, date]]
# the report's rows, as reports._AT_END yields them
ReportRows = list[dict[str, Any]]
# live_rows(cond, params): the live query on the issues matching an extra SQL condition
LiveRows = Callable[[str, dict[str, Any]], ReportRows]


class RollupMismatch(RuntimeError):
    """The rollups disagree with the issues they summarise (a bug): the caller falls back to the live query."""


def _local_midnight(day: date) -> datetime:
    """Return the start of `day` in local (report) time."""
    return datetime(day.year, day.month, day.day, tzinfo=local_zone())


def cohort_rows(
    session: Session,
    start: date,
    end: date,
    asof: datetime,
    team: int | None,
    top_segments: int,
    live_rows: LiveRows,
) -> ReportRows:
    """Return the report rows (as reports._AT_END yields them) for the period, everywhere or for `team`.

    `live_rows(cond, params)` runs the live query on the issues matching an extra SQL condition: it answers
    for the few candidate segments of the top-N search.
    """
    lo, hi = _local_midnight(start), _local_midnight(end + timedelta(days=1))
    months, edges = split_period(start, end)
    params: dict[str, Any]
    cond, params = ("i.team_id = :team", {"team": team}) if team is not None else ("TRUE", {})
    params.update(lo=lo, hi=hi, asof=asof)
    counts = _counts(session, months, edges, cond, params)
    hist = _histogram(session, months, edges, cond, params)
    edges_h: list[float] = list(session.execute(text("SELECT report_hour_edges()")).scalar_one())
    late = _late(session, cond, params)
    not_due = _not_due(session, cond, params)
    _move_late(late, asof, edges_h, counts, not_due, hist)
    rows = _count_rows(counts, not_due)
    rows += _top_segment_rows(session, start, end, cond, params, top_segments, live_rows)
    rows += _time_rows(session, hist, edges_h, late, cond, params)
    return rows


def _not_due(session: Session, cond: str, params: dict[str, Any]) -> Counter[DueKey]:
    """Return {(category, team): open issues of the period not yet due at :asof}, by current state."""
    query = text(f"""
        SELECT i.category, i.team_id, count(*) AS n FROM issues i
        WHERE i.status IN :open AND (i.due_at >= :asof OR i.due_at IS NULL)
          AND i.reported_at >= :lo AND i.reported_at < :hi AND {cond} GROUP BY 1, 2""")
    rows = session.execute(query.bindparams(bindparam("open", expanding=True)), {**params, "open": list(OPEN_STATUSES)})
    return Counter({(r.category, r.team_id): r.n for r in rows})


def _move_late(
    late: Sequence[Row[Any]],
    asof: datetime,
    edges_h: list[float],
    counts: Counter[CountKey],
    not_due: Counter[DueKey],
    hist: Histogram,
) -> None:
    """Move the issues in flight at the period's end from their current state to their state then."""
    for r in late:
        counts[(r.category, r.team_id, r.cur_status, r.cur_resolution)] -= 1
        if r.cur_status in OPEN_STATUSES and (r.due_at is None or r.due_at >= asof):
            not_due[(r.category, r.team_id)] -= 1
        if r.cur_hours is not None:
            hist[r.team_id][bisect.bisect_right(edges_h, r.cur_hours)] -= 1
        if r.end_status is None:  # no state before the end: out of the cohort, as in the live query
            continue
        counts[(r.category, r.team_id, r.end_status, r.end_resolution)] += 1
        if r.end_status in OPEN_STATUSES and (r.due_at is None or r.due_at >= asof):
            not_due[(r.category, r.team_id)] += 1
        if r.end_hours is not None:
            hist[r.team_id][bisect.bisect_right(edges_h, r.end_hours)] += 1


def _summed(
    session: Session, months: Months, edges: Edges, cond: str, params: dict[str, Any], rollup: str, live: str
) -> Iterator[Row[Any]]:
    """Yield the rows of `rollup` summed over the whole months, then of `live` counted over each edge range.

    `rollup` reads a rollup table for months :m0 to :m1 (and :team when given); `live` counts the issues
    `i` reported in [:a, :b) that match `cond`; both return the same columns."""
    if months:
        team = "AND team_id = :team" if "team" in params else ""
        yield from session.execute(text(rollup.format(team=team)), {**params, "m0": months[0], "m1": months[1]})
    for a, b in edges:
        yield from session.execute(
            text(live.format(cond=cond)), {**params, "a": _local_midnight(a), "b": _local_midnight(b)}
        )


def _counts(session: Session, months: Months, edges: Edges, cond: str, params: dict[str, Any]) -> Counter[CountKey]:
    """Return {(category, team, status, resolution): issues} reported in the period, by current state."""
    counts: Counter[CountKey] = Counter()
    for r in _summed(
        session,
        months,
        edges,
        cond,
        params,
        """
            SELECT category, team_id, status, resolution, sum(n) AS n FROM report_cohorts
            WHERE month >= :m0 AND month < :m1 {team} GROUP BY 1, 2, 3, 4""",
        """
            SELECT i.category, i.team_id, i.status, i.resolution, count(*) AS n FROM issues i
            WHERE i.reported_at >= :a AND i.reported_at < :b AND {cond} GROUP BY 1, 2, 3, 4""",
    ):
        counts[(r.category, r.team_id, r.status, r.resolution)] += r.n
    return counts


def _histogram(session: Session, months: Months, edges: Edges, cond: str, params: dict[str, Any]) -> Histogram:
    """Return {team: Counter(bucket: solved issues)} reported in the period, by current state."""
    hist: Histogram = defaultdict(Counter)
    for r in _summed(
        session,
        months,
        edges,
        cond,
        params,
        """
            SELECT team_id, bucket, sum(n) AS n FROM report_resolve_hist
            WHERE month >= :m0 AND month < :m1 {team} GROUP BY 1, 2""",
        f"""
            SELECT i.team_id, width_bucket({HOURS}, report_hour_edges()) AS bucket, count(*) AS n
            FROM issues i WHERE {SOLVED_SQL} AND i.resolved_at IS NOT NULL
              AND i.reported_at >= :a AND i.reported_at < :b AND {{cond}} GROUP BY 1, 2""",
    ):
        hist[r.team_id][r.bucket] += r.n
    return hist


def _late(session: Session, cond: str, params: dict[str, Any]) -> Sequence[Row[Any]]:
    """Return the period's issues with a state change at or after its end: current and end states."""
    return session.execute(
        text(f"""
        SELECT i.id, i.category, i.team_id, i.due_at,
               i.status AS cur_status, i.resolution AS cur_resolution,
               CASE WHEN {SOLVED_SQL} AND i.resolved_at IS NOT NULL THEN {HOURS} END AS cur_hours,
               ev.end_status, ev.end_resolution,
               CASE WHEN {sql_in("ev.end_status", SOLVED_STATUSES)}
                    THEN (extract(epoch FROM ev.resolve_at - i.reported_at) / 3600.0)::float8 END AS end_hours
        FROM issues i
        CROSS JOIN LATERAL (
            -- one pass over the issue's events: changed at or after the end? its last state and resolution before
            SELECT bool_or(e.at >= :hi AND e.to_status IS NOT NULL) AS late,
                   (array_agg(e.to_status ORDER BY e.at DESC, e.id DESC)
                        FILTER (WHERE e.at < :hi AND e.to_status IS NOT NULL))[1] AS end_status,
                   (array_agg(e.data->>'resolution' ORDER BY e.at DESC, e.id DESC)
                        FILTER (WHERE e.action = 'resolve' AND e.at < :hi))[1] AS end_resolution,
                   (array_agg(e.at ORDER BY e.at DESC, e.id DESC)
                        FILTER (WHERE e.action = 'resolve' AND e.at < :hi))[1] AS resolve_at
            FROM issue_events e WHERE e.issue_id = i.id) ev
        WHERE i.updated_at >= :hi AND i.reported_at >= :lo AND i.reported_at < :hi AND {cond} AND ev.late"""),
        params,
    ).all()


@functools.cache
def _flags(status: str, resolution: str | None) -> tuple[str, ...]:
    """Return the counted figures an issue in this state adds to."""
    solved = status in SOLVED_STATUSES
    return tuple(
        flag
        for flag, value in (
            ("issues_collected", status != "duplicate"),
            ("solved_on_site", solved and resolution == "on_site"),
            ("solved_by_team", solved and resolution == "team"),
            ("open", status in OPEN_STATUSES),
            ("rejected", status == "rejected"),
        )
        if value
    )


def _count_rows(counts: Counter[CountKey], not_due: Counter[DueKey]) -> ReportRows:
    """Return the rows of the grouping sets (), (category), (team) from the state counts."""
    # {kind: Counter((value, (status, resolution)): issues)}
    tallies: dict[str, Counter[tuple[Any, tuple[str, str | None]]]] = {
        "all": Counter(),
        "cat": Counter(),
        "team": Counter(),
    }
    for (category, team, status, resolution), n in counts.items():
        if n:
            state = (status, resolution)
            tallies["all"][(None, state)] += n
            tallies["cat"][(category, state)] += n
            tallies["team"][(team, state)] += n
    groups: defaultdict[tuple[str, Any], Counter[str]] = defaultdict(Counter)
    groups[("all", None)]["_issues"] += 0
    for kind, tally in tallies.items():
        for (value, state), n in tally.items():
            group = groups[(kind, value)]
            group["_issues"] += n
            for flag in _flags(*state):
                group[flag] += n
    for (category, team), n in not_due.items():
        for key in (("all", None), ("cat", category), ("team", team)):
            groups[key]["_not_due"] += n
    return [
        {
            "kind": "count",
            "g_cat": int(kind != "cat"),
            "g_team": int(kind != "team"),
            "g_seg": 1,
            "category": value if kind == "cat" else None,
            "team_id": value if kind == "team" else None,
            "segment_id": None,
            **{k: g[k] for k in COUNTED},
            "overdue": g["open"] - g["_not_due"],
            "solved": None,
            "median_h": None,
            "p90_h": None,
        }
        for (kind, value), g in groups.items()
        if kind == "all" or g["_issues"] > 0
    ]


_BOUNDS_ONE_YEAR = """
    SELECT segment_id, n AS bound FROM report_segment_years WHERE year = :y0 AND n > 0
    ORDER BY n DESC, segment_id LIMIT :k OFFSET :o"""
_BOUNDS_YEARS = """
    SELECT segment_id, sum(n) AS bound FROM report_segment_years WHERE year BETWEEN :y0 AND :y1
    GROUP BY segment_id HAVING sum(n) > 0 ORDER BY bound DESC, segment_id LIMIT :k OFFSET :o"""
_BOUNDS_COHORT = """
    SELECT i.segment_id, count(*) AS bound FROM issues i
    WHERE i.reported_at >= :lo AND i.reported_at < :hi AND i.segment_id IS NOT NULL AND {cond}
    GROUP BY 1 ORDER BY bound DESC, 1"""


def _bounds(
    session: Session, start: date, end: date, cond: str, params: dict[str, Any], first: int
) -> Iterator[Sequence[Row[Any]]]:
    """Yield batches of (segment, upper bound of its issues in the period), in decreasing order of bound,
    each twice the size of the one before.

    Over most of their years, the years' counts (report_segment_years) bound a period's counts tightly;
    a shorter period counts its own issues per segment (every issue of the period: a bound, since the report
    counts those not merged as duplicates).
    """
    years = (date(end.year + 1, 1, 1) - date(start.year, 1, 1)).days
    if 2 * ((end - start).days + 1) < years:
        rows = session.execute(text(_BOUNDS_COHORT.format(cond=cond)), params).all()

        def page(k: int, o: int) -> Sequence[Row[Any]]:
            return rows[o : o + k]
    else:
        query = text(_BOUNDS_ONE_YEAR if start.year == end.year else _BOUNDS_YEARS)

        def page(k: int, o: int) -> Sequence[Row[Any]]:
            return list(session.execute(query, {"y0": start.year, "y1": end.year, "k": k, "o": o}).all())

    batch, offset = first, 0
    while rows_now := page(batch, offset):
        yield rows_now
        offset, batch = offset + batch, 2 * batch


def _top_segment_rows(
    session: Session, start: date, end: date, cond: str, params: dict[str, Any], top: int, live_rows: LiveRows
) -> ReportRows:
    """Return the live rows of the top `top` segments, evaluating candidates in decreasing order of bound."""
    chosen: ReportRows = []
    if top <= 0:
        return chosen
    for candidates in _bounds(session, start, end, cond, params, 2 * top):
        found = [
            r
            for r in live_rows(
                f"{cond} AND i.segment_id = ANY(:cand)", {**params, "cand": [c.segment_id for c in candidates]}
            )
            if r["kind"] == "count" and not r["g_seg"]
        ]
        chosen = sorted(chosen + found, key=lambda r: (-r["issues_collected"], -r["open"], r["segment_id"]))[:top]
        # every candidate left has at most `bound` issues in the period: stop when none can enter the top
        if len(chosen) == top and chosen[-1]["issues_collected"] > candidates[-1].bound:
            break
    return chosen


def _time_rows(
    session: Session,
    hist: Histogram,
    edges: list[float],
    late: Sequence[Row[Any]],
    cond: str,
    params: dict[str, Any],
) -> ReportRows:
    """Return the time-to-resolve rows (all issues, and per team) with exact percentile_cont values."""
    overall: Counter[int] = Counter()
    for h in hist.values():
        overall.update(h)
    plans: list[tuple[object, Counter[int], int, list[tuple[int, int]]]] = []
    fetch: set[tuple[object, int]] = set()
    for team, h in [(_ALL, overall)] + list(hist.items()):
        buckets = sorted(b for b, n in h.items() if n > 0)
        before = list(itertools.accumulate((h[b] for b in buckets), initial=0))
        n = before[-1]
        if n <= 0:
            continue
        picks: list[tuple[int, int]] = []
        for f in PERCENTILES:
            pos = f * (n - 1)
            for rank in (math.floor(pos), math.ceil(pos)):
                k = bisect.bisect_right(before, rank) - 1
                picks.append((buckets[k], rank - before[k]))
                teams = [team] if team is not _ALL else [t for t in hist if hist[t][buckets[k]] > 0]
                fetch.update((t, buckets[k]) for t in teams)
        plans.append((team, h, n, picks))
    members = _bucket_members(session, fetch, edges, late, cond, params)
    rows: ReportRows = []
    for team, h, n, picks in plans:
        values: dict[float, float] = {}
        for i, f in enumerate(PERCENTILES):
            (b1, k1), (b2, k2) = picks[2 * i], picks[2 * i + 1]
            v1, v2 = _nth(members, hist, team, h, b1, k1), _nth(members, hist, team, h, b2, k2)
            pos = f * (n - 1)
            values[f] = v1 + (v2 - v1) * (pos - math.floor(pos))  # PostgreSQL's percentile_cont
        rows.append(
            {
                "kind": "time",
                "g_cat": 1,
                "g_team": int(team is _ALL),
                "g_seg": 1,
                "category": None,
                "team_id": None if team is _ALL else team,
                "segment_id": None,
                "issues_collected": 0,
                "solved_on_site": 0,
                "solved_by_team": 0,
                "open": 0,
                "overdue": 0,
                "rejected": 0,
                "solved": n,
                "median_h": values[0.5],
                "p90_h": values[0.9],
            }
        )
    return rows


_ALL = object()  # the group of every team
# {(team or _ALL, hours bucket): sorted hours}
Members = dict[tuple[object, int], list[float]]


def _nth(members: Members, hist: Histogram, team: object, h: Counter[int], bucket: int, k: int) -> float:
    """Return the k-th smallest hours of `team`'s (or every team's) issues in `bucket`."""
    if team is _ALL:
        key = (_ALL, bucket)
        if key not in members:
            members[key] = sorted(itertools.chain.from_iterable(members.get((t, bucket), ()) for t in hist))
    else:
        key = (team, bucket)
    values = members.get(key, [])
    if len(values) != h[bucket]:
        raise RollupMismatch(f"hours bucket {bucket}: {h[bucket]} issues in the rollup, {len(values)} found")
    return values[k]


def _bucket_members(
    session: Session,
    fetch: set[tuple[object, int]],
    edges: list[float],
    late: Sequence[Row[Any]],
    cond: str,
    params: dict[str, Any],
) -> Members:
    """Return {(team, bucket): sorted hours} of the period's issues solved at its end, in those buckets."""
    bounds = [-math.inf] + edges + [math.inf]
    members: Members = {}
    query = f"""
        SELECT q.t AS team_id, q.b AS bucket, array_agg(m.h ORDER BY m.h) AS hours
        FROM unnest(CAST(:ts AS bigint[]), CAST(:bs AS int[]), CAST(:lo_h AS float8[]), CAST(:hi_h AS float8[]))
             AS q(t, b, lo_h, hi_h)
        CROSS JOIN LATERAL (
            SELECT {HOURS} AS h FROM issues i
            WHERE {{team}} AND {SOLVED_SQL} AND i.resolved_at IS NOT NULL
              AND {HOURS} >= q.lo_h AND {HOURS} < q.hi_h
              AND i.reported_at >= :lo AND i.reported_at < :hi AND {cond}) m
        GROUP BY 1, 2"""
    for null_team in (False, True):
        part = [(t, b) for t, b in fetch if (t is None) == null_team]
        if not part:
            continue
        team = "i.team_id IS NULL" if null_team else "i.team_id = q.t"
        for r in session.execute(
            text(query.format(team=team)),
            {
                **params,
                "ts": [t for t, _ in part],
                "bs": [b for _, b in part],
                "lo_h": [bounds[b] for _, b in part],
                "hi_h": [bounds[b + 1] for _, b in part],
            },
        ):
            members[(None if null_team else r.team_id, r.bucket)] = list(r.hours)
    for r in late:  # the issues in flight at the end count with their hours then, not now
        key = (r.team_id, bisect.bisect_right(edges, r.cur_hours)) if r.cur_hours is not None else None
        if key in fetch:
            values = members[key]
            del values[bisect.bisect_left(values, r.cur_hours)]
        if r.end_status is not None and r.end_hours is not None:
            key = (r.team_id, bisect.bisect_right(edges, r.end_hours))
            if key in fetch:
                bisect.insort(members.setdefault(key, []), r.end_hours)
    return members
