"""Login and sessions: safe `next`, throttling that cannot lock an owner out, bounded hashing, logout
that ends copied cookies, revocable short-lived tokens, cookie flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import g

from geo_app.domain.core import throttle
from geo_app.web import login_guard
from geo_app.web.auth import TOKEN_MAX_AGE
from geo_app.web.redirects import safe_next
from tests.workflow.helpers import PASSWORD, csrf_of, login, token

HOSTILE_NEXT = [
    "//evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r\n/evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "/\x00/evil.example/",
    " //evil.example/",
    "",
    None,
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_safe_next_refuses_every_way_off_site(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/work", "/issues/DT-2020-00001?lang=en", "/maps/chief#z"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target, "/home") == target


def _login_form(client, username="chief", password=PASSWORD, query=""):
    return client.post(
        f"/login{query}", data={"username": username, "password": password, "csrf_token": csrf_of(client, "/login")}
    )


@pytest.mark.parametrize(
    "encoded", ["/%09/evil.example/", "/%0A/evil.example/", "/%0D%0A/evil.example/", "%2F%2Fevil.example"]
)
def test_login_never_redirects_off_site_nor_fails(client, encoded):
    res = _login_form(client, query=f"?next={encoded}")
    assert res.status_code == 302
    assert res.headers["Location"] == "/"


def test_login_follows_a_local_next(client):
    res = _login_form(client, query="?next=/work%3Fstatus%3Dopen")
    assert res.headers["Location"] == "/work?status=open"


def test_issue_action_form_next_stays_on_site(client):
    login(client, "chief")
    ref = "DT-2020-00001"
    page = f"/issues/{ref}"
    res = client.post(
        f"/issues/{ref}/actions",
        data={"action": "nonsense", "version": "1", "next": "/\t/evil.example/", "csrf_token": csrf_of(client, page)},
    )
    assert res.status_code != 500
    assert "evil.example" not in res.headers.get("Location", "")


def test_wrong_passwords_are_throttled_and_the_wait_is_announced(client):
    for _ in range(throttle.FREE_FAILURES):
        assert _login_form(client, password="wrong-password").status_code == 401
    refused = _login_form(client, password="wrong-password")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    # the right password from this (unknown) client waits as well: the account is under attack
    assert _login_form(client).status_code == 429


def test_the_throttle_counts_per_address_across_accounts(client):
    for name in ("nobody1", "nobody2", "nobody3", "nobody4", "nobody5"):
        assert _login_form(client, username=name, password="wrong-password").status_code == 401
    assert _login_form(client, username="planner").status_code == 429


def test_api_token_is_throttled_too(client):
    for _ in range(throttle.FREE_FAILURES):
        assert client.post("/api/token", json={"username": "chief", "password": "wrong"}).status_code == 401
    res = client.post("/api/token", json={"username": "chief", "password": PASSWORD})
    assert res.status_code == 429
    assert res.get_json()["error"]["code"] == "too_many_attempts"
    assert "Retry-After" in res.headers


def test_an_attacker_cannot_lock_the_owner_out(app, client):
    assert _login_form(client).status_code == 302  # the owner's browser: it now holds a device cookie
    attacker = app.test_client()
    for _ in range(throttle.FREE_FAILURES + 3):
        attacker.post("/api/token", json={"username": "chief", "password": "wrong"})
    assert attacker.post("/api/token", json={"username": "chief", "password": PASSWORD}).status_code == 429
    client.post("/logout", data={"csrf_token": csrf_of(client, "/login")})
    assert _login_form(client).status_code == 302  # the owner still gets in


def test_the_wait_grows_exponentially_is_capped_and_is_forgotten(session):
    waits = [throttle.wait_for(n) for n in range(throttle.FREE_FAILURES, throttle.FREE_FAILURES + 5)]
    assert waits == [2, 4, 8, 16, 32]
    assert throttle.wait_for(10_000) == throttle.MAX_WAIT_S
    keys = throttle.Keys.of("someone", "192.0.2.7", None)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(throttle.FREE_FAILURES + 2):
        throttle.record_failure(session, keys, now)
    with pytest.raises(throttle.TooManyAttempts):
        throttle.check(session, keys, now)
    throttle.check(session, keys, now + timedelta(seconds=throttle.wait_for(throttle.FREE_FAILURES + 2) + 1))
    throttle.record_failure(session, keys, now + throttle.FORGET_AFTER * 2)  # a fresh start: 1 failure
    throttle.check(session, keys, now + throttle.FORGET_AFTER * 2)


def test_password_checks_are_bounded_and_refused_when_busy(app, client):
    slot = login_guard._semaphore()
    held = [slot.acquire(blocking=False) for _ in range(int(app.config.get("LOGIN_HASH_SLOTS", 1)))]
    assert all(held)
    try:
        res = client.post("/api/token", json={"username": "chief", "password": PASSWORD})
        assert res.status_code == 503
        assert res.headers["Retry-After"] == "1"
    finally:
        for _ in held:
            slot.release()
    assert client.post("/api/token", json={"username": "chief", "password": PASSWORD}).status_code == 200


def test_logout_ends_a_copied_session_cookie(app, client):
    login(client, "chief")
    cookie = client.get_cookie("session").value
    assert client.get("/work").status_code == 200
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/work").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_of(client, "/work")})
    res = thief.get("/work")
    assert res.status_code == 302 and "/login" in res.headers["Location"]


def test_session_cookie_flags(client):
    res = _login_form(client)
    cookie = res.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookie if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie  # plain HTTP: a Secure cookie would never come back


def test_session_cookie_is_secure_over_https(app):
    res = app.test_client().get("/login", base_url="https://localhost")  # the form's CSRF token opens a session
    cookie = next(c for c in res.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_tokens_are_short_lived_and_refreshable(client):
    res = client.post("/api/token", json={"username": "chief", "password": PASSWORD})
    assert res.get_json()["expires_in"] == TOKEN_MAX_AGE <= 3600
    headers = {"Authorization": f"Bearer {res.get_json()['token']}"}
    fresh = client.post("/api/token/refresh", headers=headers)
    assert fresh.status_code == 200
    fresh_headers = {"Authorization": f"Bearer {fresh.get_json()['token']}"}
    assert client.get("/api/issues", headers=fresh_headers).status_code == 200
    assert client.post("/api/token/refresh").status_code == 401


def test_revoking_ends_every_token(client):
    headers = token(client, "chief")
    other = token(client, "chief")
    assert client.get("/api/issues", headers=headers).status_code == 200
    assert client.post("/api/token/revoke", headers=headers).status_code == 200
    assert client.get("/api/issues", headers=headers).status_code == 401
    assert client.get("/api/issues", headers=other).status_code == 401
    assert client.get("/api/issues", headers=token(client, "chief")).status_code == 200


def test_cli_revokes_tokens_and_sessions(client, runner):
    headers = token(client, "chief")
    login(client, "chief")
    result = runner.invoke(args=["tokens", "revoke", "chief"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/issues", headers=headers).status_code == 401
    g.pop("_login_user", None)  # the test's app context outlives requests; a real request starts afresh
    assert client.get("/work").status_code == 302
    assert runner.invoke(args=["tokens", "revoke", "no-such-user"]).exit_code != 0


def test_page_logout_ends_the_users_tokens(client):
    headers = token(client, "chief")
    login(client, "chief")
    client.post("/logout", data={"csrf_token": csrf_of(client, "/work")})
    assert client.get("/api/issues", headers=headers).status_code == 401
