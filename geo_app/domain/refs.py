"""Public issue references such as DT-2020-00123, handed out atomically per prefix and year."""
from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

REF_PATTERN = re.compile(r"^(?P<prefix>[A-Z]{1,10})-(?P<year>\d{4})-(?P<num>\d{5,})$")


def next_ref(session: Session, prefix: str, year: int) -> str:
    """Return a new unused reference for `prefix` and `year` (safe under concurrent intake)."""
    last = session.execute(text("""
        INSERT INTO ref_counters (prefix, year, last) VALUES (:p, :y, 1)
        ON CONFLICT (prefix, year) DO UPDATE SET last = ref_counters.last + 1
        RETURNING last"""), {"p": prefix, "y": year}).scalar_one()
    return f"{prefix}-{year}-{last:05d}"


def bump_counters(session: Session, where: str = "TRUE", params: dict | None = None) -> None:
    """Raise every counter to at least the highest reference stored (of the issues `where` selects)."""
    session.execute(text(r"""
        INSERT INTO ref_counters (prefix, year, last)
        SELECT split_part(ref, '-', 1), split_part(ref, '-', 2)::int, max(split_part(ref, '-', 3)::int)
        FROM issues WHERE ref ~ '^[A-Z]{1,10}-\d{4}-\d{5,}$' AND """ + where + r"""
        GROUP BY 1, 2
        ON CONFLICT (prefix, year) DO UPDATE SET last = GREATEST(ref_counters.last, EXCLUDED.last)"""),
                    params or {})
