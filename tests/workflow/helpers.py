"""Helpers for driving the pages and the API as the demo users."""

from __future__ import annotations

import re

from sqlalchemy import text

PASSWORD = "demo-password"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client, url: str) -> str:
    """Return the CSRF token of the page at `url` (the session's token, as a form posts it)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return _CSRF.search(page.get_data(as_text=True)).group(1)


def login(client, username: str) -> None:
    """Log `username` in through the login form (with its real CSRF token)."""
    client.post("/logout", data={"csrf_token": csrf_of(client, "/login")})
    res = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(client, "/login")}
    )
    assert res.status_code == 302, (username, res.status_code)


def post_form(client, page_url: str, action_url: str, data: dict, **kw):
    """Post a form found on `page_url` to `action_url` with the page's CSRF token."""
    return client.post(action_url, data={**data, "csrf_token": csrf_of(client, page_url)}, **kw)


def token(client, username: str) -> dict:
    """Return the Authorization header of a bearer token for `username`."""
    res = client.post("/api/token", json={"username": username, "password": PASSWORD})
    assert res.status_code == 200, res.get_json()
    return {"Authorization": f"Bearer {res.get_json()['token']}"}


def count(session, table: str) -> int:
    """Return the number of rows in `table`."""
    return session.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def counts(session) -> dict:
    """Return the row counts of every table a workflow action may write to."""
    return {
        t: count(session, t)
        for t in ("issues", "issue_events", "dispatches", "visits", "site_visits", "site_visit_issues")
    }


def version_of(session, ref: str) -> int:
    return session.execute(text("SELECT version FROM issues WHERE ref = :r"), {"r": ref}).scalar()


def status_of(session, ref: str) -> str:
    return session.execute(text("SELECT status FROM issues WHERE ref = :r"), {"r": ref}).scalar()
