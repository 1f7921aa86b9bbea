"""The production server of `make run` (gunicorn; read by scripts/serve.sh).

Worker processes × threads: one process per core, so Python runs on every core (one process is held to
one core by the GIL), and threads in each so that requests waiting on PostgreSQL do not idle a core.
The asyncio ("asgi") workers read every request's headers and body on their event loop, so hundreds of
silent or half-sent requests from one client cost a socket each and no thread; only complete requests
reach Flask, in WEB_THREADS threads per process (geo_app/asgi.py: gunicorn's `threads` setting is not
used by this worker, which warns so at start; WEB_THREADS also sizes the connection pool).
Put nginx in front on a network (README: "Running it on a network"): it buffers slow uploads, holds TLS
and limits connections per client address, which gunicorn does not do.
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
worker_class = "asgi"
workers = int(os.environ.get("WEB_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("WEB_THREADS", "8"))
# each worker's pool holds up to threads + POOL_OVERFLOW connections (geo_app.config.engine_options); the
# local cluster allows 200 (geo_app.localdb.tuning), and commands, tests and migrations need some too
DB_CONNECTIONS_MAX = int(os.environ.get("DB_CONNECTIONS_MAX", "150"))
if workers * (threads + 4) > DB_CONNECTIONS_MAX:
    raise SystemExit(
        f"WEB_WORKERS × (WEB_THREADS + 4) = {workers * (threads + 4)} connections exceed {DB_CONNECTIONS_MAX} "
        "(DB_CONNECTIONS_MAX, below the database's max_connections)"
    )
worker_connections = 2000  # open connections per worker (idle ones included) before new ones wait
backlog = 2048
timeout = 60  # a worker silent this long (a request stuck in Python) is killed and replaced
graceful_timeout = 20  # on SIGTERM: finish requests in flight for up to this long, accept no new ones
keepalive = 5
# recycle workers now and then (memory held by folium/geopandas); a recycle closes the worker's kept-alive
# connections, and a client that sent a request on one just then sees it fail (bench/load.py counted 5 such
# errors a run at 5,000; at 300, 6 in 700 requests): rarely, and not both workers at once
max_requests = 20000
max_requests_jitter = 5000
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-" if os.environ.get("ACCESS_LOG") else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
