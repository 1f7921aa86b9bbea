"""Static files: served by WhiteNoise, gzip-compressed, cached for a year under fingerprinted names.

Why WhiteNoise: it is the well-kept WSGI server of static files (ETag, HEAD, ranges, `Vary:
Accept-Encoding`, a precompressed `.gz` chosen when the browser accepts it, Cache-Control), and it answers
before Flask so a map page's dozen assets never take a request thread of the app. Its Django-only
manifest storage is not available to Flask, so the fingerprint is made here, at start-up, from the files
themselves: `css/maps.css` is also served as `css/maps.<12 hex of its SHA-256>.css`, marked immutable,
and every `url_for('static', ...)` names that file. Nothing is written but the `.gz` next to a file that
lacks a fresh one (same mtime as its source), so an edited file never meets a stale fingerprint or a
stale compressed copy after a restart.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from markupsafe import Markup
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

log = logging.getLogger(__name__)
HASH_LEN = 12
ONE_HOUR = 3600  # for a file asked for by its plain name (folium's own links before they are rewritten, say)
_compressor = Compressor(quiet=True, use_brotli=False)
# (path, mtime_ns, size) -> fingerprint: many apps are made in one test process, each file is read once
_hashes: dict[tuple[str, int, int], str] = {}


def fingerprinted(rel: str, digest: str) -> str:
    """Return `rel` with the digest before its extension: css/maps.css -> css/maps.<digest>.css."""
    head, dot, ext = rel.rpartition(".")
    if not dot or "/" in ext:
        return f"{rel}.{digest}"
    return f"{head}.{digest}.{ext}"


def _digest(path: Path, st: os.stat_result) -> str:
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _hashes:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 16), b""):
                h.update(block)
        _hashes[key] = h.hexdigest()[:HASH_LEN]
    return _hashes[key]


def _ensure_gzip(path: Path, st: os.stat_result) -> None:
    """Write `path`.gz (atomically, with the source's mtime) unless a fresh one is there or it would not shrink."""
    gz = path.with_name(path.name + ".gz")
    try:
        if gz.stat().st_mtime_ns == st.st_mtime_ns:
            return
    except FileNotFoundError:
        pass
    data = path.read_bytes()
    packed = _compressor.compress_gzip(data)
    if not data or len(packed) > 0.95 * len(data):
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".gz-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(packed)
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.replace(tmp, gz)  # another process may be doing the same: each write is whole
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        log.warning("could not write %s: served uncompressed", gz)


def build_manifest(root: Path) -> dict[str, str]:
    """Return {relative path: fingerprinted relative path} of the files under `root`, compressing as it goes."""
    manifest: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or path.suffix == ".gz":
            continue
        st = path.stat()
        rel = path.relative_to(root).as_posix()
        manifest[rel] = fingerprinted(rel, _digest(path, st))
        if _compressor.should_compress(path.name):
            _ensure_gzip(path, st)
    return manifest


def _nosniff(headers: Any, path: str, url: str) -> None:
    headers["X-Content-Type-Options"] = "nosniff"


def register(app: Flask) -> None:
    """Serve app.static_folder through WhiteNoise and make url_for('static', ...) name fingerprinted files."""
    if not app.static_folder or not app.static_url_path:
        return
    root = Path(app.static_folder)
    prefix = app.static_url_path.rstrip("/") + "/"
    manifest = build_manifest(root) if root.is_dir() else {}
    immutable = {prefix + name for name in manifest.values()}
    wn = WhiteNoise(
        app.wsgi_app,
        max_age=ONE_HOUR,
        immutable_file_test=lambda path, url: url in immutable,
        add_headers_function=_nosniff,
    )
    wn.add_files(str(root), prefix=prefix)
    for rel, name in manifest.items():
        wn.add_file_to_dictionary(prefix + name, str(root / rel))
    app.wsgi_app = wn  # type: ignore[method-assign]
    app.extensions["static_manifest"] = manifest

    @app.url_defaults
    def _fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]


def rewrite_static_links(app: Flask, html: str) -> Markup:
    """Return `html` (folium's header) with its /static/... links pointing at the fingerprinted files."""
    manifest: dict[str, str] = app.extensions.get("static_manifest", {})
    prefix = (app.static_url_path or "/static").rstrip("/") + "/"

    def swap(m: re.Match[str]) -> str:
        rel = m.group(2)
        return f'{m.group(1)}="{prefix}{manifest.get(rel, rel)}"'

    return Markup(re.sub(r'(src|href)="' + re.escape(prefix) + r'([^"?#]+)"', swap, html))
