"""The project-local cluster: passwords (SCRAM) for everyone, secrets and logs for their owners only, and
an application role that reads and writes rows but cannot drop or alter a table."""

from __future__ import annotations

import stat
import subprocess
import uuid

import psycopg
import pytest

from geo_app import localauth, localdb, testing

PSQL = str(localdb.PG_BIN / "psql")


def _as_nobody(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", "nobody", "--", *args], capture_output=True, text=True, timeout=30)


@pytest.fixture(scope="module")
def cluster():
    localdb.start(fast=True)
    return localdb.DEFAULT_PORT


@pytest.mark.parametrize("role", localauth.ROLES)
@pytest.mark.parametrize("via", ["tcp", "socket"])
def test_an_unprivileged_os_user_cannot_connect(cluster, role, via):
    host = "127.0.0.1" if via == "tcp" else str(localdb.socket_dir())
    res = _as_nobody(PSQL, "-w", "-h", host, "-p", str(cluster), "-U", role, "-d", "postgres", "-c", "SELECT 1")
    assert res.returncode != 0
    assert "password" in res.stderr or "authentication failed" in res.stderr


def test_nobody_cannot_read_the_passwords_nor_the_log(cluster):
    for role in localauth.ROLES:
        path = localauth.password_file(role)
        localauth.password(role)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert _as_nobody("cat", str(path)).returncode != 0
    log = localdb.data_dir().parent / "pg.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600 and log.owner() == "postgres"
    assert stat.S_IMODE(localdb.data_dir().stat().st_mode) == 0o700


def test_the_superuser_needs_its_password(cluster):
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host="127.0.0.1", port=cluster, user="postgres", password="wrong", dbname="postgres").close()
    with psycopg.connect(**localauth.admin_params(cluster), dbname="postgres") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_the_app_role_uses_rows_but_cannot_drop_or_alter_tables(cluster):
    name = f"geo_app_roles_{uuid.uuid4().hex[:8]}"
    try:
        owner_url = localdb.ensure_database(name, cluster)
        testing.migrate_and_load(owner_url, demo=False)  # migrations run as the owner
        app_url = localdb.url(name, cluster, role="geo_app").replace("+psycopg", "")
        with psycopg.connect(app_url, autocommit=True) as conn:
            assert conn.execute(
                "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone() == (
                "geo_app",
                False,
            )
            conn.execute("INSERT INTO login_throttle VALUES ('k', 1, now(), now())")
            assert conn.execute("SELECT count(*) FROM categories").fetchone()[0] > 0
            for ddl in (
                "DROP TABLE issues",
                "ALTER TABLE issues ADD COLUMN x int",
                "TRUNCATE issues",
                "CREATE TABLE mine (id int)",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(ddl)
        with psycopg.connect(owner_url.replace("+psycopg", "")) as conn:
            owner = conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'issues'").fetchone()
            assert owner == ("geo_owner",)
    finally:
        testing.drop_database(name)
