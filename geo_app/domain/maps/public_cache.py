"""A process-local cache of public answers (public tiles, the public issues API), invalidated by the rollups.

Public answers show solved issues only, and the same to everyone, so one rendering serves every caller. The
database bumps the sequence `public_generation` whenever `public_cells` (the rollup of solved issues)
changes (migration 0011: a trigger, no lock). An entry is served while the generation it was made under is
the current one, and for at most `ttl` seconds: the bump happens before its transaction commits, so an
answer rendered in between is stale under the new generation, and the age bound ends that. The generation
itself is read at most once per `check` seconds per process. A resolved issue therefore shows within
`check` seconds, and always within `ttl` (plus what clients cache).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session


def generation(session: Session) -> int:
    """Return the current generation of the public rollups (changes whenever a solved issue does)."""
    return int(session.execute(text("SELECT last_value FROM public_generation")).scalar_one())


@dataclass(frozen=True)
class Entry:
    """One cached answer: its body, its entity tag, and under which generation and when it was made."""

    body: bytes
    etag: str
    generation: int
    made: float


class PublicCache:
    """An LRU of answers bounded in bytes; thread-safe (a worker serves requests on several threads)."""

    def __init__(self, ttl: float = 30.0, check: float = 1.0, max_bytes: int = 64 << 20) -> None:
        self.ttl, self.check, self.max_bytes = ttl, check, max_bytes
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._bytes = 0
        self._generation, self._checked = -1, float("-inf")
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def current(self, read: Callable[[], int]) -> int:
        """Return the generation, reading it (with `read`) when the last reading is older than `check`."""
        now = time.monotonic()
        if now - self._checked >= self.check:
            value = read()
            with self._lock:
                self._generation, self._checked = value, now
        return self._generation

    def get(self, key: Hashable, build: Callable[[], bytes], read_generation: Callable[[], int]) -> Entry:
        """Return the cached answer for `key`, building it with `build` when missing, old or outdated."""
        gen = self.current(read_generation)
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.generation == gen and now - entry.made < self.ttl:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry
        body = build()  # outside the lock: two threads may build the same answer once each, never wait
        entry = Entry(body, hashlib.blake2b(body, digest_size=12).hexdigest(), gen, now)
        with self._lock:
            self.misses += 1
            old = self._entries.pop(key, None)
            self._bytes -= len(old.body) if old else 0
            if len(body) <= self.max_bytes // 8:
                self._entries[key] = entry
                self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)
        return entry

    def clear(self) -> None:
        """Forget every answer (tests; a deployment's profile changed)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._checked = float("-inf")
