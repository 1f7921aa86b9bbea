"""The project-local cluster: durable for `make run`, without fsync only where data is throwaway."""

from pathlib import Path

import pytest

from geo_app import localauth, localdb


def test_a_durable_cluster_keeps_fsync_and_a_fast_one_drops_it():
    durable, fast = localdb.options(55432, Path("/s"), fast=False), localdb.options(55432, Path("/s"), fast=True)
    assert not any(setting in durable for setting in localdb.FAST_SETTINGS)
    assert all(f"-c {setting}" in fast for setting in localdb.FAST_SETTINGS)
    assert durable in fast and "-p 55432" in durable and "-k /s" in durable


def test_only_a_fast_cluster_wanted_durable_is_restarted():
    assert localdb.must_restart(running_fast=True, fast=False)
    assert not localdb.must_restart(running_fast=True, fast=True)
    assert not localdb.must_restart(running_fast=False, fast=True)  # never made unsafe under a running app
    assert not localdb.must_restart(running_fast=False, fast=False)


@pytest.mark.parametrize(
    ("value", "fast"), [("1", True), ("true", True), (" YES ", True), ("", False), ("0", False), ("no", False)]
)
def test_local_pg_fast_asks_for_a_fast_cluster(monkeypatch, value, fast):
    monkeypatch.setenv("LOCAL_PG_FAST", value)
    assert localdb.wants_fast() is fast


def test_a_fast_cluster_is_not_restarted_while_others_use_it():
    assert not localdb.must_restart(running_fast=True, fast=False, others=1)
    assert localdb.must_restart(running_fast=True, fast=False, others=0)


def test_wanting_durable_never_restarts_a_cluster_other_processes_use(pg_server, caplog, monkeypatch):
    """This test's own connection is another client: the running cluster (fast under the tests) stays up."""
    import psycopg

    # alembic's fileConfig (migrations/env.py) disables loggers that exist when a migration runs in-process
    monkeypatch.setattr(localdb.log, "disabled", False)

    params = {**localauth.admin_params(localdb.DEFAULT_PORT), "dbname": "postgres"}
    with psycopg.connect(**params, autocommit=True) as held:
        started = held.execute("SELECT pg_postmaster_start_time()").fetchone()
        assert localdb.other_clients() >= 1
        fast = localdb.runs_fast()
        localdb.start(fast=False)
        assert held.execute("SELECT pg_postmaster_start_time()").fetchone() == started  # still the same server
    if fast:
        assert "left as it is" in caplog.text


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("args", [["--help"], ["init-deployment", "--help"], ["db", "upgrade", "--help"]])
def test_help_starts_no_database(tmp_path, args):
    """With no server binaries and nothing on the port, any attempt to start or reach a cluster would fail."""
    import os
    import subprocess
    import sys

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(LOCAL_PG_PORT=str(port), PG_BIN=str(tmp_path / "no-postgres-here"))
    flask = Path(sys.executable).with_name("flask")
    out = subprocess.run([str(flask), "--app", "geo_app", *args], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Usage" in out.stdout and "Traceback" not in out.stderr
    assert not localdb.is_running(port)


def test_the_local_cluster_starts_on_the_first_connection_not_at_app_creation(monkeypatch, template_db):
    from sqlalchemy import text

    from geo_app import create_app
    from geo_app.extensions import db

    calls: list[str] = []

    def ensure(dbname: str, port: int = localdb.DEFAULT_PORT) -> str:
        calls.append(dbname)
        return localdb.url(dbname, port)

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("LOCAL_PG_DB", template_db)
    monkeypatch.setattr(localdb, "ensure_database", ensure)
    app = create_app({"TESTING": True})
    assert calls == []  # building the app reached no database
    with app.app_context():
        assert db.session.execute(text("SELECT current_database()")).scalar() == template_db
        db.session.remove()
        db.engine.dispose()
    assert calls == [template_db]  # once, before the first connection


def test_the_cluster_is_sized_to_the_machine():
    small, big = localdb.tuning(2 << 30), localdb.tuning(64 << 30)
    assert "shared_buffers=256MB" in small and "shared_buffers=2048MB" in big  # within bounds
    assert "shared_buffers=1536MB" in localdb.tuning(24 << 30)
    assert "jit=off" in small and "max_connections=200" in small
    assert not any(setting.split("=")[0] in " ".join(small) for setting in localdb.FAST_SETTINGS)
