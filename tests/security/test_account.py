"""Self-service password change (current password required, length rules, other sessions and tokens end)
and the admin's page of live bearer tokens with revocation; CSRF and a safe `next` on both."""

from flask import g
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.workflow.helpers import PASSWORD, csrf_of, login, token

NEW = "a quiet street at dawn"


def _change(client, **form):
    data = {"csrf_token": csrf_of(client, "/account/password"), "current_password": PASSWORD, **form}
    return client.post("/account/password", data=data)


def _hash(session, username):
    return session.execute(text("SELECT password_hash FROM users WHERE username = :u"), {"u": username}).scalar()


def test_bad_new_passwords_are_refused_naming_the_field(client, session):
    login(client, "clerk")
    before = _hash(session, "clerk")
    for form, field in (
        ({"current_password": "wrong-password", "new_password": NEW, "confirm_password": NEW}, "current_password"),
        ({"new_password": "short", "confirm_password": "short"}, "new_password"),
        ({"new_password": "clerk", "confirm_password": "clerk"}, "new_password"),
        ({"new_password": "aaaaaaaaaaaa", "confirm_password": "aaaaaaaaaaaa"}, "new_password"),
        ({"new_password": PASSWORD + "x", "confirm_password": PASSWORD + "y"}, "confirm_password"),
    ):
        res = _change(client, **form)
        assert res.status_code == 400 and f'data-field="{field}"' in res.get_data(as_text=True), (form, res.status_code)
    assert _hash(session, "clerk") == before
    res = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW}
    )
    assert res.status_code == 400 and _hash(session, "clerk") == before  # no CSRF token: refused


def test_a_changed_password_ends_other_sessions_and_tokens_and_this_one_goes_on(app, client, session):
    other: FlaskClient = app.test_client()
    g.pop("csrf_token", None)  # Flask-WTF caches the signed token on g, which the test's app context shares
    login(other, "clerk")
    g.pop("csrf_token", None)
    old_token = token(client, "clerk")
    login(client, "clerk")
    res = _change(client, new_password=NEW, confirm_password=NEW, next="//evil.example/")
    assert res.status_code == 302 and res.headers["Location"] == "/"  # a hostile next is dropped
    assert client.get("/work").status_code == 200  # this session goes on
    g.pop("_login_user", None)  # Flask-Login caches the user on g too
    assert other.get("/work").status_code == 302  # the other one is logged out
    assert client.get("/api/issues", headers=old_token).status_code == 401
    res = client.post("/api/token", json={"username": "clerk", "password": NEW})
    assert res.status_code == 200
    assert client.post("/api/token", json={"username": "clerk", "password": PASSWORD}).status_code == 401


def test_the_admin_lists_live_tokens_and_revokes_one_or_all_of_a_user(client, session):
    login(client, "chief")
    assert client.get("/admin/tokens").status_code == 403
    login(client, "admin")  # logging the chief out ended the chief's tokens: new ones from here
    first, second = token(client, "chief"), token(client, "chief")
    assert client.get("/api/issues", headers=first).status_code == 200
    html = client.get("/admin/tokens").get_data(as_text=True)
    assert 'data-user="chief"' in html
    ids = [
        r[0]
        for r in session.execute(
            text(
                "SELECT t.id FROM bearer_tokens t JOIN users u ON u.id = t.user_id WHERE u.username = 'chief'"
                " AND t.revoked_at IS NULL ORDER BY t.id"
            )
        ).all()
    ]
    assert len(ids) >= 2
    res = client.post("/admin/tokens/revoke", data={"csrf_token": csrf_of(client, "/admin/tokens"), "token_id": ids[0]})
    assert res.status_code == 302
    assert client.get("/api/issues", headers=first).status_code == 401  # that one is revoked
    assert client.get("/api/issues", headers=second).status_code == 200  # the other one still works
    res = client.post(
        "/admin/tokens/revoke", data={"csrf_token": csrf_of(client, "/admin/tokens"), "username": "chief"}
    )
    assert res.status_code == 302 and client.get("/api/issues", headers=second).status_code == 401
    assert 'data-user="chief"' not in client.get("/admin/tokens").get_data(as_text=True)
    assert client.post("/admin/tokens/revoke", data={"token_id": ids[1]}).status_code == 400  # no CSRF token
    res = client.post("/admin/tokens/revoke", data={"csrf_token": csrf_of(client, "/admin/tokens"), "token_id": "x"})
    assert res.status_code == 400
