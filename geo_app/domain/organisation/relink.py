"""When teams' segments change, the open issues on those segments follow: their team is recomputed (the
same rule as intake: the lowest team id where two teams overlap) with an event; closed ones keep theirs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import CursorResult, text
from sqlalchemy.orm import Session

from geo_app.domain.organisation.audit import Actor
from geo_app.vocab import OPEN_STATUSES

_SQL = """
WITH todo AS (
    SELECT i.id, i.team_id AS old,
           (SELECT min(ts.team_id) FROM team_segments ts WHERE ts.segment_id = i.segment_id) AS new
    FROM issues i JOIN street_segments s ON s.id = i.segment_id
    WHERE s.code = ANY(:segments) AND i.status = ANY(:open)
), moved AS (
    UPDATE issues i SET team_id = todo.new, version = i.version + 1, updated_at = now()
    FROM todo WHERE i.id = todo.id AND todo.old IS DISTINCT FROM todo.new
    RETURNING i.id, todo.old, todo.new
)
INSERT INTO issue_events (issue_id, at, actor_id, action, from_status, to_status, data)
SELECT m.id, now(), :actor, 'relink', NULL, NULL,
       jsonb_build_object('from_team', (SELECT code FROM teams WHERE id = m.old),
                          'to_team', (SELECT code FROM teams WHERE id = m.new), 'by', CAST(:by AS text))
FROM moved m
"""


def open_issues(session: Session, segment_codes: Iterable[str], actor: Actor) -> int:
    """Recompute the team of the open issues on these segments; return how many changed team."""
    codes = sorted(set(segment_codes))
    if not codes:
        return 0
    params: dict[str, Any] = {"segments": codes, "open": list(OPEN_STATUSES), "actor": actor.id, "by": actor.name}
    return cast(CursorResult[Any], session.execute(text(_SQL), params)).rowcount
