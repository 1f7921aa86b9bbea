"""Keyset pages: walking a list by cursor returns every row exactly once, even while issues are filed."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from geo_app.domain.workflow import keyset, worklists
from geo_app.extensions import db
from geo_app.models import User
from geo_app.testing import make_app
from tests.workflow.helpers import token


def _walk(client, headers, query, per_page, between=None):
    seen, pages = [], 0
    url = f"/api/issues?per_page={per_page}{query}"
    while url:
        body = client.get(url, headers=headers).get_json()
        seen += [f["id"] for f in body["features"]]
        pages += 1
        if between:
            between(pages)
        url = f"/api/issues?per_page={per_page}{query}&cursor={body['next_cursor']}" if body["next_cursor"] else None
    return seen, pages


@pytest.mark.parametrize("few", [keyset.FEW, 0], ids=["gathered", "walked"])
def test_every_row_once_across_pages_while_rows_are_inserted(clone_db, monkeypatch, few):
    monkeypatch.setattr(keyset, "FEW", few)  # the demo's few rows are gathered; 0: the walk of large scopes
    url = clone_db()
    app = make_app(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        expected = (
            conn.execute(
                text("""
            SELECT ref FROM issues i ORDER BY
              (status IN ('reported', 'accepted', 'dispatched', 'in_progress') AND coalesce(due_at < now(), false))
              DESC, reported_at DESC, id DESC""")
            )
            .scalars()
            .all()
        )
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(geom, 0.5) p FROM street_segments "
                "ORDER BY id LIMIT 1) q"
            )
        ).one()
    client = app.test_client()
    planner, clerk = token(client, "planner"), token(client, "clerk")
    filed = []

    def file_two(page):
        for k in range(2):
            body = {"category": "noise", "description": f"翻页时新增 {page}-{k}", "lon": lon, "lat": lat}
            res = client.post("/api/issues", headers=clerk, json=body)
            assert res.status_code == 201
            filed.append(res.get_json()["ref"])

    seen, pages = _walk(client, planner, "", 17, between=file_two)
    assert len(seen) == len(set(seen))  # nothing twice
    # every row there at the start, once and in order; rows filed meanwhile show (once) only where they sort
    # after the page being read: the first pages are overdue issues, so the new ones lead the rest
    assert [ref for ref in seen if ref not in filed] == expected
    assert 0 < len(set(seen) & set(filed)) < len(filed)
    # the overdue list, and a filter, page the same way
    with engine.connect() as conn:
        overdue = conn.execute(
            text("""SELECT count(*) FROM issues WHERE status IN ('reported', 'accepted', 'dispatched', 'in_progress')
                    AND due_at < now()""")
        ).scalar()
    seen, _ = _walk(client, planner, "&overdue=1", 9)
    assert len(seen) == len(set(seen)) == overdue > 9
    engine.dispose()
    with app.app_context():
        db.engine.dispose()


def test_escalation_list_by_cursor_is_the_list_by_due_date(session):
    admin = session.query(User).filter_by(username="admin").one()
    full = worklists.escalations(session, admin, 1)
    assert full["next_cursor"] is None or full["total"] > 100
    f = worklists.IssueFilter(overdue=True, per_page=7)
    refs, cursor = [], None
    while True:
        f.cursor = cursor
        page = worklists.list_issues(session, admin, f, order=worklists.MOST_OVERDUE_FIRST)
        refs += [r["ref"] for r in page["rows"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert refs == [r["ref"] for r in full["rows"]] and len(refs) > 7


def test_page_is_bounded_and_a_bad_cursor_names_the_field(client):
    headers = token(client, "planner")
    deep = client.get("/api/issues?per_page=200&page=52", headers=headers)
    assert deep.status_code == 400 and deep.get_json()["error"]["field"] == "page"
    assert client.get("/api/issues?per_page=200&page=51", headers=headers).status_code == 200
    for bad in ("x", "e30", "WyJkdWUiLCIyMDIwLTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwxLCIyMDIwIiwxXQ", "A" * 400):
        res = client.get(f"/api/issues?cursor={bad}", headers=headers)
        assert res.status_code == 400 and res.get_json()["error"]["field"] == "cursor", bad
    first = client.get("/api/issues?per_page=5", headers=headers).get_json()
    # a cursor of the other order (the escalation list's) is refused too
    assert client.get(f"/api/issues?cursor={first['next_cursor']}&page=3", headers=headers).status_code == 400


def test_the_work_list_pages_on_by_cursor(client):
    from tests.workflow.helpers import login

    login(client, "planner")
    first = client.get("/work?status=all&per_page=5").get_data(as_text=True)
    assert "page=2" in first
    cursor = client.get("/api/issues?per_page=5", headers=token(client, "planner")).get_json()["next_cursor"]
    deeper = client.get(f"/work?status=all&per_page=5&cursor={cursor}")
    body = deeper.get_data(as_text=True)
    assert deeper.status_code == 200 and "第一页" in body and "cursor=" in body
    bad = client.get("/work?cursor=nonsense")
    assert bad.status_code == 400 and "cursor" in bad.get_data(as_text=True)
