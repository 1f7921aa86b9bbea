"""A category's words (names, Open311 service code, keywords) as a lookup table for imports: a foreign
file that says "Pothole", "坑洼" or "POT-1" finds the category without a hand-written mapping."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

_SPLIT = re.compile(r"[,;，；、\n]+")


def category_words(session: Session) -> dict[str, str]:
    """Return {word: category code} over every category's names, service code and keywords.

    A word shared by two categories is left out (ambiguous), and a category's own code always wins."""
    found: dict[str, set[str]] = {}
    rows = session.execute(
        text("SELECT code, name_zh, name_en, service_code, keywords, service_keywords FROM categories")
    ).all()
    for code, *words in rows:
        for value in words:
            for word in _SPLIT.split(value or ""):
                word = word.strip()
                if word:
                    found.setdefault(word, set()).add(code)
                    found.setdefault(word.lower(), set()).add(code)
    table = {w: next(iter(codes)) for w, codes in found.items() if len(codes) == 1}
    table.update({code: code for code, *_ in rows})
    return table
