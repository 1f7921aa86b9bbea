"""Two people act on one issue at once with the same version: one wins, the other is told (409)."""

from __future__ import annotations

import threading

from sqlalchemy import create_engine, text

from geo_app.extensions import db
from geo_app.testing import make_app
from tests.workflow.helpers import token


def test_same_version_twice_at_once_one_wins(clone_db):
    url = clone_db()
    app = make_app(url)
    engine = create_engine(url)
    with engine.connect() as conn:  # a reported 银湖南路 issue: chief may accept it
        ref, version = conn.execute(
            text("""
            SELECT i.ref, i.version FROM issues i JOIN teams t ON t.id = i.team_id
            WHERE t.code = 'T-YHNL' AND i.status IN ('accepted', 'dispatched') ORDER BY i.ref LIMIT 1""")
        ).one()
        events_before = conn.execute(
            text("SELECT count(*) FROM issue_events e JOIN issues i ON i.id = e.issue_id WHERE i.ref = :r"), {"r": ref}
        ).scalar()
    headers = [token(app.test_client(), "chief"), token(app.test_client(), "secretary")]
    barrier = threading.Barrier(2)
    results = [None, None]

    def act(n):
        client = app.test_client()  # its own app context, so its own session and connection
        barrier.wait()
        res = client.post(
            f"/api/issues/{ref}/actions", headers=headers[n], json={"action": "start", "version": version}
        )
        results[n] = (res.status_code, res.get_json())

    threads = [threading.Thread(target=act, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(code for code, _ in results)
    assert codes == [200, 409], results
    loser = next(body for code, body in results if code == 409)
    assert loser["error"]["field"] == "version" and loser["error"]["current_version"] == version + 1
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, version FROM issues WHERE ref = :r"), {"r": ref}).one()
        new_events = (
            conn.execute(
                text("""SELECT e.action FROM issue_events e JOIN issues i ON i.id = e.issue_id
                                         WHERE i.ref = :r ORDER BY e.id"""),
                {"r": ref},
            )
            .scalars()
            .all()
        )
    assert tuple(row) == ("in_progress", version + 1)
    assert len(new_events) == events_before + 1 and new_events[-1] == "start"
    engine.dispose()
    with app.app_context():
        db.engine.dispose()
