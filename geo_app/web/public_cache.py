"""HTTP side of the public answers' cache: one PublicCache per app, ETag, Cache-Control and 304.

Clients may keep an answer `MAX_AGE` seconds, then revalidate with If-None-Match; the entity tag is a hash
of the body, the same in every worker process, so a revalidation answers 304 whichever worker takes it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app, request
from flask_babel import get_locale

from geo_app.domain.maps.public_cache import PublicCache, generation
from geo_app.extensions import db_session

MAX_AGE = 30  # with the server cache's 30 s bound: a resolved issue is on every public map within a minute


def cache() -> PublicCache:
    """Return the app's cache of public answers (each app its own: tests run several, on other databases)."""
    found = current_app.extensions.get("public_cache")
    if found is None:
        found = current_app.extensions.setdefault("public_cache", PublicCache(ttl=float(MAX_AGE)))
    return found


def cached_public(build: Callable[[], bytes], mimetype: str) -> Response:
    """Answer the request from the cache (keyed by path, query and language), building it when needed;
    304 when the client's If-None-Match already names the answer."""
    key = (request.path, request.query_string, str(get_locale() or ""))
    entry = cache().get(key, build, lambda: generation(db_session()))
    response = Response(entry.body, mimetype=mimetype)
    response.set_etag(entry.etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.vary.add("Accept-Language")
    response.make_conditional(request)  # 304 without the body when If-None-Match names it
    return response
