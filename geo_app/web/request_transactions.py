"""How a request's transaction ends when the view did not end it: a transaction that only read is
committed, one that wrote is rolled back (as Flask-SQLAlchemy's teardown always does).

Why: psycopg deallocates every prepared statement of a connection on ROLLBACK (a rollback may undo the
objects they refer to). Ending the reads of every GET with a rollback therefore threw the pooled
connections' prepared statements away after each request, and PostgreSQL planned every query again:
planning the issue page's eight-join query costs more than running it. A read-only transaction commits
to the same effect as a rollback, and keeps them.

A statement counts as a write unless it starts with SELECT or is a WITH query without a data-changing
part; the flag is cleared at each COMMIT and is per request (flask.g), so a view that wrote and did not
commit still has its writes rolled back.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, g, has_request_context
from sqlalchemy import event

from geo_app.extensions import db

_READ = re.compile(r"\s*(SELECT|SHOW)\b", re.IGNORECASE)
_WITH = re.compile(r"\s*WITH\b", re.IGNORECASE)
_CHANGES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


def is_read(statement: str) -> bool:
    """Return whether `statement` only reads (conservative: anything unrecognised is a write)."""
    if _READ.match(statement):
        return True
    return bool(_WITH.match(statement)) and not _CHANGES.search(statement)


def _statement(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
    if has_request_context() and not is_read(statement):
        g.db_wrote = True


def _committed(conn: Any) -> None:
    if has_request_context():
        g.db_wrote = False


def register(app: Flask) -> None:
    """Watch the app's engine and end read-only transactions with a commit (before Flask-SQLAlchemy's
    teardown, which runs after this one)."""
    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "before_cursor_execute", _statement)
            event.listen(engine, "commit", _committed)

    @app.teardown_request
    def _end_reads(exc: BaseException | None) -> None:
        if exc is not None or g.get("db_wrote") or not db.session.registry.has():
            return
        session = db.session()
        if not session.in_transaction():
            return
        if session.new or session.dirty or session.deleted:
            return  # unflushed changes: not a read-only transaction, the teardown rolls it back
        try:
            session.commit()
        except Exception:  # the connection went away: the teardown's rollback and the pool deal with it
            session.rollback()
