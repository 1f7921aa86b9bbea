"""Facts a page needs that change rarely and cost more as the district grows, kept per app for
PAGE_MEMO_SECONDS (60 by default; tests set 0): the extent of every live street segment (a map's first
view) and the characters of every place name (the base map's font subset). A new street or name is on
every page within that time; each process computes them at most once per period, not on every request."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from time import monotonic
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")
DEFAULT_SECONDS = 60.0


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """Return `compute()`, from this app's memo when it was computed less than PAGE_MEMO_SECONDS ago."""
    ttl = float(current_app.config.get("PAGE_MEMO_SECONDS", DEFAULT_SECONDS))
    store: dict[Hashable, tuple[float, Any]] = current_app.extensions.setdefault("page_memo", {})
    now = monotonic()
    hit = store.get(key)
    if hit is not None and now - hit[0] < ttl:
        value: T = hit[1]
        return value
    value = compute()  # two threads may both compute it once: the same answer, no lock needed
    store[key] = (now, value)
    return value
