"""The app for an ASGI server (`make run`: gunicorn's asyncio worker): the WSGI app in a thread pool.

The asyncio worker reads every request's headers and body without a thread, so slow and half-open
clients cost a socket each and never a thread; only complete requests reach Flask, in WEB_THREADS
threads per process.
"""

from __future__ import annotations

import os

from a2wsgi import WSGIMiddleware

from geo_app import serve_app

application = WSGIMiddleware(serve_app(), workers=int(os.environ.get("WEB_THREADS", "8")))  # type: ignore[arg-type]
