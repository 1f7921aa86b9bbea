"""The base map's label font: a Debian CJK font cut down to the characters the deployment's names use.

A whole CJK font is 5–20 MB, far too much for a phone; the names of a district use a few hundred
characters, which make a WOFF2 of tens of kilobytes. The subset is made on first use from the names in
`search_names` (every street, compound, hall, area and water name, kept by triggers) plus ASCII, written
once under a name that is the digest of its characters, and served with a long cache life: when names
are added, the digest changes and the next page asks for a new file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from fontTools import subset
from sqlalchemy import text
from sqlalchemy.orm import Session

# Debian packages that hold a CJK font (fonts-wqy-microhei, fonts-noto-cjk, fonts-wqy-zenhei), first found wins
CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
ASCII = "".join(chr(c) for c in range(32, 127))


def source_font(configured: str | None = None) -> Path | None:
    """Return the font file to cut labels from: the configured one, else the first Debian CJK font found."""
    for candidate in (configured,) if configured else CANDIDATES:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def label_chars(session: Session) -> str:
    """Return the sorted characters of every place name (and ASCII), the set the font must hold."""
    names = session.execute(text("SELECT string_agg(name, '') FROM search_names")).scalar() or ""
    return "".join(sorted(set(names + ASCII)))


def digest(chars: str, source: Path) -> str:
    """Return the file name stem of the subset of `source` holding `chars`."""
    return hashlib.sha256(f"{source.name}\n{chars}".encode()).hexdigest()[:20]


def subset_file(source: Path, chars: str, cache_dir: Path) -> Path:
    """Return the WOFF2 subset of `source` holding `chars`, making it in `cache_dir` if not there yet."""
    out = cache_dir / f"{digest(chars, source)}.woff2"
    if out.is_file():
        return out
    cache_dir.mkdir(parents=True, exist_ok=True)
    options = subset.Options()
    options.flavor = "woff2"
    options.font_number = 0  # the first face of a collection (.ttc): the regular weight
    options.layout_features = []  # labels need glyphs, not ligatures or vertical forms
    options.name_IDs = [1, 2]
    options.drop_tables += ["FFTM"]  # a FontForge timestamp fontTools cannot subset
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    # written aside and renamed: a concurrent request never serves half a file
    fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
    os.close(fd)
    subset.save_font(font, tmp, options)
    os.replace(tmp, out)
    return out
