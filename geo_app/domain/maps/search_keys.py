"""Pinyin keys of place names, so that `yhnl` or `yinhu` finds 银湖南路 (computed once a name, stored).

A name's keys are the initials and the full spelling of each of its readings, space-separated and
lower-case: 长洲区 → "czq changzhouqu zzq zhangzhouqu" (长 reads both ways; the search cannot know which
one the clerk thinks of). Letters and digits in a name are kept as they are (新兴1路 → "xx1l …").
Triggers (migration 0016) add new names to `search_names` with NULL keys; `fill_pending` computes them.
"""

from __future__ import annotations

import itertools
from typing import Any

from pypinyin import Style, pinyin
from sqlalchemy import bindparam, text

MAX_READINGS = 8  # combinations of heteronyms kept per name: a long name of many polyphones stays small
FILL_BATCH = 5000


def _syllables(name: str) -> list[list[str]]:
    """Return, per character (or letter/digit), the lower-case readings it may have."""
    out: list[list[str]] = []
    # a chunk that is not Chinese (letters, digits) is kept one character a syllable; pypinyin accepts a
    # list from `errors` though its annotation says str
    each_char: Any = list
    for readings in pinyin(name, style=Style.NORMAL, heteronym=True, errors=each_char):
        kept = [r.lower() for r in dict.fromkeys(readings) if r and r.isalnum()]
        if kept:
            out.append(kept)
    return out


def name_keys(name: str) -> str:
    """Return the space-separated pinyin initials and spellings of `name` (every reading, capped)."""
    keys: dict[str, None] = {}
    for combo in itertools.islice(itertools.product(*_syllables(name)), MAX_READINGS):
        keys["".join(s[0] for s in combo)] = None
        keys["".join(combo)] = None
    return " ".join(k for k in keys if k)


def pending(conn: Any) -> bool:
    """Return True when some stored name still waits for its keys (an index-only probe)."""
    return conn.execute(text("SELECT EXISTS (SELECT 1 FROM search_names WHERE keys IS NULL)")).scalar() is True


def fill_pending(conn: Any, batch: int = FILL_BATCH) -> int:
    """Compute the keys of names that have none (a Session or Connection); return how many were filled.

    Rows already filled by a concurrent caller are skipped (SKIP LOCKED), so two searches never wait on
    each other for this."""
    done = 0
    while True:
        names = (
            conn.execute(
                text("SELECT name FROM search_names WHERE keys IS NULL ORDER BY name LIMIT :n FOR UPDATE SKIP LOCKED"),
                {"n": batch},
            )
            .scalars()
            .all()
        )
        if not names:
            return done
        rows = [{"n": n, "k": name_keys(n)} for n in names]
        conn.execute(
            text("""UPDATE search_names s SET keys = v.k
                    FROM (SELECT unnest(CAST(:ns AS text[])) AS n, unnest(CAST(:ks AS text[])) AS k) v
                    WHERE s.name = v.n""").bindparams(bindparam("ns"), bindparam("ks")),
            {"ns": [r["n"] for r in rows], "ks": [r["k"] for r in rows]},
        )
        done += len(rows)
        if len(names) < batch:
            return done
