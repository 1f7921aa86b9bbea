"""`db upgrade` on a fresh database of a real server (the machine's own PostgreSQL on 127.0.0.1:5432, as
behind DATABASE_URL) creates PostGIS, or says exactly what the DBA must run when it may not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from geo_app.testing import RUN

SERVER = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}
FLASK = str(Path(sys.executable).with_name("flask"))


def _admin(sql: str) -> None:
    with psycopg.connect(**SERVER, autocommit=True) as conn:
        conn.execute(sql)


def _upgrade(url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("METRIC_SRID", "TIMEZONE", "REF_PREFIX")}
    env["DATABASE_URL"] = url
    return subprocess.run(
        [FLASK, "--app", "geo_app", "db", "upgrade"], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture()
def fresh_db():
    name = f"geo_app_test_{RUN}_pg5432"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    yield name
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def unprivileged_db():
    name, role = f"geo_app_test_{RUN}_nopriv", f"geo_app_test_{RUN}_nopriv"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'DROP ROLE IF EXISTS "{role}"')
    _admin(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER')
    _admin(f'CREATE DATABASE "{name}" OWNER "{role}"')
    yield name, role
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'DROP ROLE IF EXISTS "{role}"')


def test_upgrade_creates_postgis_on_a_fresh_database(fresh_db):
    with psycopg.connect(**{**SERVER, "dbname": fresh_db}) as conn:
        assert conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone() is None
    out = _upgrade(f"postgresql://postgres@127.0.0.1:5432/{fresh_db}")
    assert out.returncode == 0, out.stderr
    with psycopg.connect(**{**SERVER, "dbname": fresh_db}) as conn:
        assert conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone() is not None
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (_head(),)


def test_upgrade_without_the_privilege_says_what_the_dba_must_run(unprivileged_db):
    name, role = unprivileged_db
    out = _upgrade(f"postgresql://{role}@127.0.0.1:5432/{name}")
    assert out.returncode != 0
    said = out.stdout + out.stderr
    assert "CREATE EXTENSION IF NOT EXISTS postgis;" in said and f"database {name}" in said
    assert 'type "geometry" does not exist' not in said
    with psycopg.connect(**{**SERVER, "dbname": name}) as conn:  # nothing half-made behind
        assert conn.execute("SELECT to_regclass('admin_areas')").fetchone() == (None,)


def _head() -> str:
    """Return the newest migration's revision, as `db upgrade` should leave the database."""
    from alembic.script import ScriptDirectory

    from geo_app.localdb import PROJECT_ROOT

    head = ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_current_head()
    assert head is not None
    return head
