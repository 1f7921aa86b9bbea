"""`make run` itself, on a throwaway database given by DATABASE_URL (the app role's URL, as a deployment
gives it) and a free PORT: it answers /healthz and a page with the security headers, its database sessions
are the geo_app role's (never the owner's), and SIGTERM stops it cleanly."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest

from geo_app import localauth, localdb, testing
from tests.security.test_server import _free_port, wait_for_health

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def app_role_database():
    """A migrated database with a deployment profile, owned by geo_owner; yield (name, geo_app's URL)."""
    localdb.start(fast=True)
    name = f"geo_app_make_run_{uuid.uuid4().hex[:8]}"
    try:
        owner_url = localdb.ensure_database(name, localdb.DEFAULT_PORT)
        testing.migrate_and_load(owner_url, demo=False)  # migrations run as the owner, as `flask db upgrade` does
        yield name, localdb.url(name, localdb.DEFAULT_PORT, role="geo_app")
    finally:
        testing.drop_database(name)


def _gunicorn_master(group: int) -> int:
    """Return the pid of gunicorn's master among the processes of `group` (make, a shell, gunicorn)."""
    found = subprocess.run(["pgrep", "-g", str(group), "-f", "gunicorn --config"], capture_output=True, text=True)
    pids = {int(p) for p in found.stdout.split()}
    masters = [p for p in pids if int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1]) not in pids]
    assert len(masters) == 1, (pids, masters)
    return masters[0]


def test_make_run_serves_as_the_app_role_and_stops_cleanly(app_role_database):
    name, app_url = app_role_database
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": app_url, "WEB_WORKERS": "1", "WEB_THREADS": "2"}
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base, proc, tries=600)
        with urllib.request.urlopen(base + "/report", timeout=10) as res:
            page = res.read().decode()
            headers = res.headers
        assert res.status == 200 and 'name="csrf_token"' in page
        assert "default-src" in headers["Content-Security-Policy"] and "nonce-" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] in ("DENY", "SAMEORIGIN")
        assert headers["Referrer-Policy"]
        with psycopg.connect(**localauth.admin_params(localdb.DEFAULT_PORT), dbname="postgres") as conn:
            roles = {
                r[0]
                for r in conn.execute(
                    "SELECT usename FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
                )
            }
        assert roles == {"geo_app"}, roles  # the server's sessions: the app role only, never the owner
        # SIGTERM to the server (gunicorn's master, which make started): what a service manager sends
        master = _gunicorn_master(proc.pid)
        os.kill(master, signal.SIGTERM)
    finally:
        try:
            code = proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        finally:
            if proc.poll() is not None:  # nothing of the group may outlive make (a stray server holds the port)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
    output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
    # gunicorn finished its workers and exited 0, and so did make (a crash or a kill would not be 0)
    assert code == 0, output[-2000:]
    assert "Shutting down" in output or "Handling signal: term" in output, output[-2000:]
    assert "Traceback" not in output, output[-2000:]
