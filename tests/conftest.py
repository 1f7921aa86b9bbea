"""Test harness on a real PostGIS: a template database (migrated, demo loaded) built once per run,
a working copy of it for the suite, and one rolled-back transaction per test.

Tests that need committed data seen by other connections (concurrency, a live server for the browser)
get a throwaway clone of the template with `clone_db`. A missing PostGIS is an error, never a skip.
"""

from __future__ import annotations

import uuid

import pytest

from geo_app import testing
from geo_app.extensions import db
from geo_app.testing import RUN, create_database, drop_database, make_app, migrate_and_load, serving

TEMPLATE = f"geo_app_test_tpl_{RUN}"
WORKING = f"geo_app_test_{RUN}"


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL server of the run (DATABASE_URL's, or the project-local cluster, started here)."""
    return testing.server()


@pytest.fixture(scope="session")
def template_db(pg_server):
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


@pytest.fixture(scope="module")
def live_server(template_db):
    """Serve the app over a fresh copy of the demo; yield its base URL."""
    name = f"geo_app_test_{RUN}_live_{uuid.uuid4().hex[:6]}"
    try:
        with serving(make_app(create_database(name, template=template_db))) as base:
            yield base
    finally:
        drop_database(name)
