"""References under concurrent intake: never shared, and no intake waits for another to commit."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from geo_app.domain.core import refs
from geo_app.extensions import db
from geo_app.testing import make_app
from tests.workflow.helpers import token

THREADS, EACH = 8, 6


def _point(engine):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(geom, 0.5) p FROM street_segments "
                "ORDER BY id LIMIT 1) q"
            )
        ).one()


def test_many_concurrent_intakes_never_share_a_reference(clone_db):
    url = clone_db()
    app = make_app(url)
    engine = create_engine(url)
    lon, lat = _point(engine)
    header = token(app.test_client(), "clerk")
    barrier = threading.Barrier(THREADS)
    made: list[str] = []
    failures: list[object] = []

    def intake(n):
        client = app.test_client()  # its own app context: its own session and connection
        barrier.wait()
        for k in range(EACH):
            body = {"category": "noise", "description": f"并发 {n}-{k}", "lon": lon, "lat": lat, "channel": "phone"}
            res = client.post("/api/issues", headers=header, json=body)
            if res.status_code == 201:
                made.append(res.get_json()["ref"])
            else:
                failures.append((res.status_code, res.get_json()))

    threads = [threading.Thread(target=intake, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(made) == THREADS * EACH == len(set(made))
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT ref FROM issues WHERE ref = ANY(:r)"), {"r": made}).scalars().all()
    assert sorted(stored) == sorted(made)
    engine.dispose()
    with app.app_context():
        db.engine.dispose()


def test_a_reference_taken_by_an_open_transaction_blocks_nobody(clone_db):
    """The counter row this replaced stayed locked until commit: a second intake waited (here: timed out)."""
    engine = create_engine(clone_db())
    with engine.connect() as first, engine.connect() as second:
        first.begin()
        ref1 = first.execute(text("SELECT nextval(issue_ref_sequence('DT', 2020))")).scalar_one()
        # `first` has not committed; `second` would fail rather than wait for it
        second.execute(text("SET lock_timeout = '2s'"))
        ref2 = second.execute(text("SELECT nextval(issue_ref_sequence('DT', 2020))")).scalar_one()
        second.commit()
        first.rollback()
        ref3 = second.execute(text("SELECT nextval(issue_ref_sequence('DT', 2020))")).scalar_one()
        second.commit()
    assert 265 < ref1 < ref2 < ref3  # after the demo's; the rolled-back number is not handed out again
    engine.dispose()


def test_the_first_reference_of_a_new_year_is_made_once_by_two_at_once(clone_db):
    engine = create_engine(clone_db())
    barrier = threading.Barrier(2)
    got: list[str] = []

    def take():
        with Session(engine) as session, session.begin():
            barrier.wait()
            got.append(refs.next_ref(session, "DT", 2031))

    threads = [threading.Thread(target=take) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == ["DT-2031-00001", "DT-2031-00002"]
    with Session(engine) as session:
        assert refs.last_numbers(session)[("DT", 2031)] == 2
    with engine.connect() as conn, pytest.raises(DBAPIError, match="bad prefix"):  # no name from bad input
        conn.execute(text("SELECT issue_ref_sequence('x; DROP TABLE issues', 2031)"))
    engine.dispose()
