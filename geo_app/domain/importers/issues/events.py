"""The events that explain an imported issue's state, appended in SQL (the small path and updates; the bulk
path builds the same rows in `write.event_columns`)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.vocab import OPEN_STATUSES, SOLVED_STATUSES, sql_in


def log_events(session: Session, batch: int, table: str, report: bool = True) -> None:
    """Append the events that explain the state of each issue listed in `table` (reports read states from
    events): the report (unless `report` is false: an update), then the steps to its state. Each event
    names its batch, which undoing the batch removes."""
    steps = [
        (
            "i.reported_at",
            "'report'",
            "NULL",
            "'reported'",
            "jsonb_build_object('channel', i.channel, 'linked', i.segment_id IS NOT NULL, 'import', true, "
            "'batch', CAST(:batch AS bigint))",
            "TRUE" if report else "FALSE",
        ),
        (
            "i.reported_at",
            "CASE i.status WHEN 'accepted' THEN 'accept' WHEN 'dispatched' THEN 'dispatch' ELSE 'start' END",
            "'reported'",
            "i.status",
            "jsonb_build_object('import', true, 'batch', CAST(:batch AS bigint))",
            sql_in("i.status", [s for s in OPEN_STATUSES if s != "reported"]),
        ),
        (
            "i.resolved_at",
            "'resolve'",
            "'reported'",
            "'resolved'",
            "jsonb_build_object('resolution', i.resolution, 'import', true, 'batch', CAST(:batch AS bigint))",
            sql_in("i.status", SOLVED_STATUSES),
        ),
        (
            "i.resolved_at",
            "'verify'",
            "'resolved'",
            "'verified'",
            "jsonb_build_object('passed', true, 'import', true, 'batch', CAST(:batch AS bigint))",
            sql_in("i.status", [s for s in SOLVED_STATUSES if s != "resolved"]),
        ),
        (
            "i.closed_at",
            "'close'",
            "'verified'",
            "'closed'",
            "jsonb_build_object('import', true, 'batch', CAST(:batch AS bigint))",
            "i.status = 'closed'",
        ),
    ]
    # one statement per step, so that ids (the tie-break of equal times) follow the order of the steps
    for at, action, from_s, to_s, data, cond in steps:
        session.execute(
            text(f"""
            INSERT INTO issue_events (issue_id, at, action, from_status, to_status, data)
            SELECT i.id, {at}, {action}, {from_s}, {to_s}, {data}
            FROM issues i JOIN {table} n ON n.id = i.id WHERE {cond}"""),
            {"batch": batch},
        )
