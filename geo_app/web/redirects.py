"""Where a form may send the browser next: same-origin paths only, one rule for every form."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str) -> str:
    """Return `target` when it is a path on this site, else `default`.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so `/\\t/evil.example/`
    would become `//evil.example/` (another site); a newline would also break the Location header.
    Any control character or backslash therefore refuses the target outright.
    """
    if not target or len(target) > 2000:
        return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target) or "\\" in target:
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
