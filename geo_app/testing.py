"""Throwaway databases on a real PostGIS, for the test suite and the benchmarks alike.

The server is DATABASE_URL's, or the project-local cluster, which is started on first use (never at
import): importing this module touches no database. A missing PostGIS is an error, never a skip.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from geo_app import localdb

# Debian's Chromium, driven by playwright (never a downloaded browser), with flags that work as root and
# offline: no sandbox, and no background connections to Google's hosts.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Names carry the process id so that several runs on one server do not trip over each other.
RUN = os.environ.get("TEST_DB_SUFFIX") or str(os.getpid())


@functools.cache
def server() -> dict[str, Any]:
    """Return connection parameters of the test server (DATABASE_URL's, or the local cluster, started)."""
    if os.environ.get("DATABASE_URL"):
        url = make_url(os.environ["DATABASE_URL"])
        return {
            "host": url.host or "127.0.0.1",
            "port": url.port or 5432,
            "user": url.username or "postgres",
            "password": url.password,
        }
    localdb.start(fast=True)  # throwaway databases: no fsync (a durable cluster already running stays so)
    admin = localdb.localauth.admin_params(localdb.DEFAULT_PORT)  # the superuser: it creates and drops databases
    # A brand-new cluster has only the superuser; tests that connect as the app's roles must not depend on
    # another test having created them first.
    with psycopg.connect(**admin, dbname="postgres", autocommit=True) as conn:
        localdb.localauth.ensure_roles(conn)
    return admin


def connect(dbname: str, **kwargs: Any) -> psycopg.Connection:
    """Return a psycopg connection to `dbname` on the test server."""
    params = {k: v for k, v in server().items() if v is not None}
    return psycopg.connect(dbname=dbname, **params, **kwargs)


def _admin(sql: str) -> None:
    with connect("postgres", autocommit=True) as conn:
        conn.execute(sql)


def db_url(name: str) -> str:
    """Return the SQLAlchemy URL of database `name` on the test server."""
    s = server()
    auth = s["user"] + (f":{s['password']}" if s["password"] else "")
    return f"postgresql+psycopg://{auth}@{s['host']}:{s['port']}/{name}"


def create_database(name: str, template: str | None = None) -> str:
    """(Re)create database `name`, empty with PostGIS or as a copy of `template`; return its URL."""
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if template:
        _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    else:
        _admin(f'CREATE DATABASE "{name}"')
        with connect(name, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
    return db_url(name)


def drop_database(name: str) -> None:
    """Drop database `name` if it exists, closing its connections."""
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_exists(name: str) -> bool:
    """Return True when database `name` exists on the test server."""
    with connect("postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def url_map_app() -> Any:
    """Return an app on no database, for what needs only its routes (the URL map): nothing connects."""
    from geo_app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://unused@127.0.0.1:1/unused", "TESTING": True})


def make_app(url: str, **extra: Any) -> Any:
    """Return the app on database `url`, in testing mode."""
    from geo_app import create_app, profile

    # PAGE_MEMO_SECONDS 0: a test that adds a street sees it on the next page (geo_app.web.memo)
    settings = {"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "test-secret", "PAGE_MEMO_SECONDS": 0}
    app = create_app({**settings, **extra})
    with app.app_context():
        profile.ensure(app)  # a test reads the profile at once, as a server or a command does before it works
    return app


def migrate_and_load(url: str, demo: bool = True, profile: bool = True) -> None:
    """Apply the migrations on `url`, give it the demo's deployment profile (unless `profile` is False) and
    load the demo (unless `demo` is False), then let go of every connection."""
    from flask_migrate import upgrade

    from geo_app.cli.deployment import init_demo_profile
    from geo_app.config import intake_settings
    from geo_app.domain.core.deployment import refresh_service_area
    from geo_app.domain.datasets.demo import load_demo
    from geo_app.extensions import db, db_session

    app = make_app(url)
    with app.app_context():
        upgrade()
        if profile or demo:
            init_demo_profile(app.config["DEMO_DIR"])
        if demo:
            load_demo(db_session(), app.config["DEMO_DIR"], intake_settings())
            refresh_service_area(db_session())
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port) in a thread; yield its base URL; let go of its connections."""
    from werkzeug.serving import make_server

    from geo_app.extensions import db

    srv = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        with app.app_context():
            db.engine.dispose()
