#!/usr/bin/env bash
# The production server, as `make run` starts it (and the slow-client test does): gunicorn, configured in
# gunicorn.conf.py. PORT (default 5000), HOST (default 127.0.0.1), WEB_WORKERS and WEB_THREADS override.
set -euo pipefail
cd "$(dirname "$0")/.."
# Without DATABASE_URL the server connects to the local cluster as geo_app: rows, never tables.
export LOCAL_PG_ROLE="${LOCAL_PG_ROLE:-geo_app}"
exec .venv/bin/gunicorn --config gunicorn.conf.py geo_app.asgi:application
