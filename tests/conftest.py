"""Test harness on a real PostGIS: a template database (migrated, demo loaded) built once per run,
a working copy of it for the suite, and one rolled-back transaction per test.

Tests that need committed data seen by other connections (concurrency, a live server for the browser)
get a throwaway clone of the template with `clone_db`. A missing PostGIS is an error, never a skip.
"""
from __future__ import annotations

import contextlib
import os
import threading
import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from geo_app import create_app, localdb
from geo_app.extensions import db

# Names carry the process id so that several runs on one server do not trip over each other.
RUN = os.environ.get("TEST_DB_SUFFIX") or str(os.getpid())
TEMPLATE = f"geo_app_test_tpl_{RUN}"
WORKING = f"geo_app_test_{RUN}"


def _server() -> dict:
    """Return connection parameters of the server the tests use (DATABASE_URL's, or the local cluster)."""
    if os.environ.get("DATABASE_URL"):
        url = make_url(os.environ["DATABASE_URL"])
        return {"host": url.host or "127.0.0.1", "port": url.port or 5432, "user": url.username or "postgres",
                "password": url.password}
    localdb.start(fast=True)            # throwaway databases: no fsync (a durable cluster already running stays so)
    return {"host": "127.0.0.1", "port": localdb.DEFAULT_PORT, "user": "postgres", "password": None}


SERVER = _server()


def _admin(sql: str) -> None:
    params = {k: v for k, v in SERVER.items() if v is not None}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(sql)


def db_url(name: str) -> str:
    """Return the SQLAlchemy URL of database `name` on the test server."""
    auth = SERVER["user"] + (f":{SERVER['password']}" if SERVER["password"] else "")
    return f"postgresql+psycopg://{auth}@{SERVER['host']}:{SERVER['port']}/{name}"


def create_database(name: str, template: str | None = None) -> str:
    """(Re)create database `name`, empty with PostGIS or as a copy of `template`; return its URL."""
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if template:
        _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    else:
        _admin(f'CREATE DATABASE "{name}"')
        params = {k: v for k, v in SERVER.items() if v is not None}
        with psycopg.connect(dbname=name, autocommit=True, **params) as conn:
            conn.execute("CREATE EXTENSION postgis")
    return db_url(name)


def drop_database(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(url: str, **extra):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "test-secret", **extra})


def migrate_and_load(url: str, demo: bool = True) -> None:
    """Apply the migrations (and load the demo) on `url`, then let go of every connection."""
    from flask_migrate import upgrade

    from geo_app.app_settings import intake_settings
    from geo_app.domain.demo import load_demo

    app = make_app(url)
    with app.app_context():
        upgrade()
        if demo:
            load_demo(db.session, app.config["DEMO_DIR"], intake_settings())
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_db():
    url = create_database(TEMPLATE)
    migrate_and_load(url)
    yield TEMPLATE
    drop_database(TEMPLATE)


@pytest.fixture(scope="session")
def app(template_db):
    url = create_database(WORKING, template=template_db)
    application = make_app(url)
    yield application
    with application.app_context():
        db.engine.dispose()
    drop_database(WORKING)


@pytest.fixture()
def session(app):
    """A session inside a transaction that is rolled back after the test (commits become savepoints).

    Flask-SQLAlchemy's Session.get_bind takes the app's engine from `db.engines` before the session's own
    `bind`, so the engine entry itself is swapped for the test's connection while the test runs: every
    query and commit of the test and of its requests then happens inside the one outer transaction.
    """
    with app.app_context():
        engines = db.engines
        saved = dict(engines)
        connection = saved[None].connect()
        outer = connection.begin()
        engines[None] = connection
        original = db.session
        db.session = db._make_scoped_session({"bind": connection, "join_transaction_mode": "create_savepoint"})
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            engines.clear()
            engines.update(saved)
            outer.rollback()
            connection.close()


@pytest.fixture()
def client(app, session):
    return app.test_client()


@pytest.fixture()
def runner(app, session):
    return app.test_cli_runner()


@pytest.fixture()
def clone_db(template_db):
    """Return a factory of throwaway databases copied from the template (dropped after the test)."""
    made = []

    def factory() -> str:
        name = f"geo_app_test_{RUN}_{uuid.uuid4().hex[:8]}"
        made.append(name)
        return create_database(name, template=template_db)

    yield factory
    for name in made:
        drop_database(name)


@contextlib.contextmanager
def serving(app):
    """Serve `app` on 127.0.0.1 (a free port) in a thread; yield its base URL; let go of its connections."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(template_db):
    """Serve the app over a fresh copy of the demo; yield its base URL."""
    name = f"geo_app_test_{RUN}_live_{uuid.uuid4().hex[:6]}"
    try:
        with serving(make_app(create_database(name, template=template_db))) as base:
            yield base
    finally:
        drop_database(name)
