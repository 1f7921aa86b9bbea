"""Public issue references such as DT-2020-00123: one PostgreSQL sequence per prefix and year.

A sequence hands out numbers without waiting for any other transaction (the counter row it replaced was
locked from allocation until commit, so intakes ran one at a time). A number taken by a transaction that
rolls back is not reused: references stay unique and increasing, and may have gaps. The sequences are
created on first use by the database function `issue_ref_sequence` (migration 0011).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import ColumnElement, String, func, select, text
from sqlalchemy.orm import Session

# prefix, year, number (use with fullmatch); \d takes any Unicode digit, as the import's check always has
REF_PATTERN = re.compile(r"([A-Z]{1,10})-(\d{4})-(\d{5,})")
_REF_ASCII = re.compile(REF_PATTERN.pattern, re.ASCII)  # ASCII digits only, as PostgreSQL's \d
# Raising a sequence to n: one nextval per missing number (never moves it back, whatever runs at the same
# time), or for a long way a setval (a concurrent intake would have to take the whole gap within the
# statement to be moved back onto a used number).
_STEP_MAX = 10_000


def format_ref(prefix: str, year: int, number: int) -> str:
    """Return the reference text of `number` (at least five digits)."""
    return f"{prefix}-{year}-{number:05d}"


def next_ref(session: Session, prefix: str, year: int) -> str:
    """Return a new unused reference for `prefix` and `year` (never waits on a concurrent intake)."""
    return str(session.execute(select(next_ref_sql(prefix, year))).scalar_one())


def next_ref_sql(prefix: str, year: int) -> ColumnElement[str]:
    """Return the SQL expression of a new reference (database function `issue_next_ref`, migration 0017,
    formatted as format_ref), for an INSERT that takes its reference itself."""
    return func.issue_next_ref(prefix, year, type_=String)


def take_numbers(session: Session, prefix: str, year: int, n: int) -> list[int]:
    """Return `n` new unused numbers for `prefix` and `year`, increasing (a bulk import's references)."""
    seq = session.execute(text("SELECT issue_ref_sequence(:p, :y)::text"), {"p": prefix, "y": year}).scalar_one()
    numbers = session.execute(
        text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)"), {"s": seq, "n": n}
    ).scalars()
    return sorted(numbers)


def last_numbers(session: Session) -> dict[tuple[str, int], int]:
    """Return the last number handed out per (prefix, year) (0 for a sequence not used yet)."""
    names = session.execute(
        text(r"""
        SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE s.nspname = 'public' AND c.relkind = 'S' AND c.relname ~ '^issue_ref_[a-z]+_\d{4}$'""")
    ).scalars()
    result = {}
    for name in names:
        _, _, prefix, year = name.split("_")
        last = session.execute(text(f'SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM "{name}"'))
        result[(prefix.upper(), int(year))] = int(last.scalar_one())
    return result


def raise_to(session: Session, highest: dict[tuple[str, int], int]) -> None:
    """Make every sequence hand out numbers above `highest[(prefix, year)]` from now on."""
    for (prefix, year), n in sorted(highest.items()):
        seq = session.execute(text("SELECT issue_ref_sequence(:p, :y)::text"), {"p": prefix, "y": year}).scalar_one()
        last = session.execute(text(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {seq}")).scalar_one()
        if n - last > _STEP_MAX:
            session.execute(text("SELECT setval(CAST(:s AS regclass), :n)"), {"s": seq, "n": n})
        elif n > last:
            session.execute(
                text("SELECT max(nextval(CAST(:s AS regclass))) FROM generate_series(1, :k)"), {"s": seq, "k": n - last}
            )


def bump_counters(session: Session) -> None:
    """Raise every sequence above the highest reference already stored (after a bulk import)."""
    rows = session.execute(
        text(r"""
        SELECT split_part(ref, '-', 1), split_part(ref, '-', 2)::int, max(split_part(ref, '-', 3)::bigint)
        FROM issues WHERE ref ~ '^[A-Z]{1,10}-\d{4}-\d{5,}$' AND split_part(ref, '-', 2)::int >= 1000
        GROUP BY 1, 2""")
    ).all()
    raise_to(session, {(p, y): int(n) for p, y, n in rows})


def raise_counters(session: Session, new_refs: Iterable[str]) -> None:
    """Raise the sequences above the highest of `new_refs` (bump_counters for just-inserted issues)."""
    highest: dict[tuple[str, int], int] = {}
    for match in map(_REF_ASCII.fullmatch, new_refs):
        if match and int(match[2]) >= 1000:
            key = (match[1], int(match[2]))
            highest[key] = max(highest.get(key, -1), int(match[3]))
    raise_to(session, highest)
