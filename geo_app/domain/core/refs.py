"""Public issue references such as DT-2020-00123, handed out atomically per prefix and year."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

# prefix, year, number (use with fullmatch); \d takes any Unicode digit, as the import's check always has
REF_PATTERN = re.compile(r"([A-Z]{1,10})-(\d{4})-(\d{5,})")
_REF_ASCII = re.compile(REF_PATTERN.pattern, re.ASCII)  # ASCII digits only, as PostgreSQL's \d
_RAISE = "ON CONFLICT (prefix, year) DO UPDATE SET last = GREATEST(ref_counters.last, EXCLUDED.last)"


def next_ref(session: Session, prefix: str, year: int) -> str:
    """Return a new unused reference for `prefix` and `year` (safe under concurrent intake)."""
    last = session.execute(
        text("""
        INSERT INTO ref_counters (prefix, year, last) VALUES (:p, :y, 1)
        ON CONFLICT (prefix, year) DO UPDATE SET last = ref_counters.last + 1
        RETURNING last"""),
        {"p": prefix, "y": year},
    ).scalar_one()
    return f"{prefix}-{year}-{last:05d}"


def bump_counters(session: Session) -> None:
    """Raise every counter to at least the highest reference already stored (after a bulk import)."""
    session.execute(
        text(
            r"""
        INSERT INTO ref_counters (prefix, year, last)
        SELECT split_part(ref, '-', 1), split_part(ref, '-', 2)::int, max(split_part(ref, '-', 3)::int)
        FROM issues WHERE ref ~ '^[A-Z]{1,10}-\d{4}-\d{5,}$'
        GROUP BY 1, 2
        """
            + _RAISE
        )
    )


def raise_counters(session: Session, new_refs: Iterable[str]) -> None:
    """Raise the counters to at least the highest of `new_refs` (bump_counters for just-inserted issues)."""
    highest: dict[tuple[str, int], int] = {}
    for match in map(_REF_ASCII.fullmatch, new_refs):
        if match:
            key = (match[1], int(match[2]))
            highest[key] = max(highest.get(key, -1), int(match[3]))
    if highest:
        session.execute(
            text("INSERT INTO ref_counters (prefix, year, last) VALUES (:p, :y, :n) " + _RAISE),
            [{"p": p, "y": y, "n": n} for (p, y), n in highest.items()],
        )
