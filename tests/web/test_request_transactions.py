"""A request's transaction that only read ends with COMMIT, so the pooled connection keeps its prepared
statements (psycopg deallocates them all on ROLLBACK); one that wrote and did not commit is still rolled
back. On a clone of the demo with an app of its own: the suite's shared session joins one outer transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from geo_app.extensions import db
from geo_app.testing import make_app
from geo_app.web.request_transactions import is_read
from tests.workflow.helpers import token


@pytest.fixture()
def own_app(clone_db):
    app = make_app(clone_db())
    yield app
    with app.app_context():
        db.engine.dispose()


def _prepared(app) -> int:
    with app.app_context():
        raw = db.engine.raw_connection()  # requests ran one at a time: the pool holds one connection
        try:
            return int(raw.driver_connection.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0])
        finally:
            raw.close()


def test_reads_keep_the_connections_prepared_statements(own_app):
    client = own_app.test_client()
    auth = token(client, "planner")
    for _ in range(12):  # psycopg prepares a statement on its sixth use
        assert client.get("/api/issues?per_page=5", headers=auth).status_code == 200
    assert _prepared(own_app) > 0


def test_a_view_that_wrote_without_committing_is_rolled_back(own_app):
    @own_app.get("/test-writes-and-forgets")
    def writes_and_forgets():
        db.session.execute(text("UPDATE categories SET sla_days = sla_days + 100"))
        db.session.execute(text("SELECT 1"))
        return "ok"

    before = _sla_total(own_app)
    assert own_app.test_client().get("/test-writes-and-forgets").status_code == 200
    assert _sla_total(own_app) == before


def _sla_total(app) -> int:
    with app.app_context():
        return int(db.session.execute(text("SELECT sum(sla_days) FROM categories")).scalar_one())


@pytest.mark.parametrize(
    ("sql", "read"),
    [
        ("SELECT 1", True),
        ("  select * from issues", True),
        ("WITH p AS (SELECT 1) SELECT * FROM p", True),
        ("WITH n AS (INSERT INTO t VALUES (1) RETURNING id) SELECT id FROM n", False),
        ("INSERT INTO issues DEFAULT VALUES", False),
        ("UPDATE issues SET x = 1", False),
        ("DELETE FROM issues", False),
        ("SAVEPOINT a", False),
        ("LOCK TABLE issues", False),
    ],
)
def test_what_counts_as_a_read(sql, read):
    assert is_read(sql) is read
