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


def bump_counters(session: Session) -> None:
    """Raise every counter to at least the highest reference already stored (after a bulk import)."""
    session.execute(text(r"""
        INSERT INTO ref_counters (prefix, year, last)
        SELECT split_part(ref, '-', 1), split_part(ref, '-', 2)::int, max(split_part(ref, '-', 3)::int)
        FROM issues WHERE ref ~ '^[A-Z]{1,10}-\d{4}-\d{5,}$'
        GROUP BY 1, 2
        ON CONFLICT (prefix, year) DO UPDATE SET last = GREATEST(ref_counters.last, EXCLUDED.last)"""))


_REF_PARTS = re.compile(r"([A-Z]{1,10}-[0-9]{4})-([0-9]{5,})")     # ASCII digits, as PostgreSQL's \d


def raise_counters(session: Session, new_refs) -> None:
    """Raise the counters to at least the highest of `new_refs` (bump_counters for just-inserted issues)."""
    highest: dict[str, int] = {}
    for match in map(_REF_PARTS.fullmatch, new_refs):
        if match and int(match[2]) > highest.get(match[1], -1):
            highest[match[1]] = int(match[2])
    for key, last in highest.items():
        prefix, year = key.rsplit("-", 1)
        session.execute(text("""
            INSERT INTO ref_counters (prefix, year, last) VALUES (:p, :y, :n)
            ON CONFLICT (prefix, year) DO UPDATE SET last = GREATEST(ref_counters.last, EXCLUDED.last)"""),
                        {"p": prefix, "y": int(year), "n": last})
