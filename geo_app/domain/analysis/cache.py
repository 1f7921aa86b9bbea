"""An in-process cache of analysis results, keyed on the filter and a cheap signature of the data.

The signature changes whenever issues change: a new issue moves count and max(id), an action moves
max(updated_at) and sum(version). It also holds the database's name and, when the asking transaction has
written anything, its id — so uncommitted changes are never served to (or from) other transactions.
Cached values are shared: callers must not mutate them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy import text
from sqlalchemy.orm import Session

MAX_ENTRIES = 64
_T = TypeVar("_T")
_cache: OrderedDict[tuple[Hashable, ...], object] = OrderedDict()
_lock = threading.Lock()


def no_jit(session: Session) -> None:
    """Turn PostgreSQL's JIT off for the rest of the transaction.

    Whole-table scans over a million issues look costly enough to the planner to JIT-compile them, and the
    compilation takes longer than running them plainly (bench/analysis.py measures both).
    """
    session.execute(text("SET LOCAL jit = off"))


def issues_signature(session: Session) -> tuple[Any, ...]:
    """Return a tuple that changes whenever issues are added, changed or removed."""
    no_jit(session)
    row = session.execute(
        text("""
        SELECT current_database(), txid_current_if_assigned(), count(*), max(id), max(updated_at),
               coalesce(sum(version), 0)
        FROM issues""")
    ).one()
    return tuple(row)


def segments_signature(session: Session) -> tuple[Any, ...]:
    """Return a tuple that changes whenever street segments are added, retired or removed."""
    row = session.execute(
        text("""
        SELECT current_database(), txid_current_if_assigned(), count(*), max(id), max(retired_at),
               count(retired_at)
        FROM street_segments""")
    ).one()
    return tuple(row)


def cached(key: tuple[Hashable, ...], compute: Callable[[], _T]) -> _T:
    """Return the value stored under `key`, computing and storing it first when missing."""
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return cast(_T, _cache[key])  # stored by compute() under the same key
    value = compute()
    with _lock:
        _cache[key] = value
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return value


def clear() -> None:
    """Forget every cached result."""
    with _lock:
        _cache.clear()
