"""Satisfaction figures of the report: the 回访 (follow-ups with residents) recorded in the period and area.

Every follow-up counts once, when it was recorded (an issue reopened by an unsatisfied resident and followed
up again after its second resolution counts twice, as the two calls were made). The satisfaction rate is the
share of follow-ups whose resident was satisfied or basically satisfied (满意率 = (满意 + 基本满意) / 回访).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.vocab import SATISFACTION

KEYS = ("follow_ups", *SATISFACTION, "satisfaction_rate")


def figures(session: Session, issue_cond: str, params: dict[str, Any]) -> dict[str, Any]:
    """Return {follow_ups, satisfied, basic, unsatisfied, satisfaction_rate} for [:lo, :hi) and `issue_cond`."""
    counts: dict[str, int] = dict(
        session.execute(
            text(f"""
            SELECT e.data->>'satisfaction', count(*) FROM issue_events e JOIN issues i ON i.id = e.issue_id
            WHERE e.action = 'follow_up' AND e.at >= :lo AND e.at < :hi AND {issue_cond} GROUP BY 1"""),
            params,
        ).all()
    )
    out: dict[str, Any] = {key: int(counts.get(key, 0)) for key in SATISFACTION}
    out["follow_ups"] = sum(out.values())
    pleased = out["satisfied"] + out["basic"]
    out["satisfaction_rate"] = round(pleased / out["follow_ups"], 4) if out["follow_ups"] else None
    return {key: out[key] for key in KEYS}
