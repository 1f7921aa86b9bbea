"""The department loop: done with a result note, 退单 with a reason, 待验收 when every department is done."""

from sqlalchemy import text

from tests.factories import new_issue
from tests.workflow.helpers import counts, csrf_of, login, token, version_of


def _dispatched(session, client, departments=("market_reg", "environment")):
    issue = new_issue(session, "cooking_fumes")
    session.commit()
    hdr = token(client, "chief")
    for body in (
        {"action": "accept"},
        {"action": "dispatch", "departments": list(departments), "reason": "油烟"},
    ):
        res = client.post(
            f"/api/issues/{issue.ref}/actions", json={**body, "version": version_of(session, issue.ref)}, headers=hdr
        )
        assert res.status_code == 200, res.get_json()
    return issue.ref


def _dispatch_id(session, ref, dep):
    return session.execute(
        text("""SELECT x.id FROM dispatches x JOIN departments d ON d.id = x.department_id
                JOIN issues i ON i.id = x.issue_id WHERE i.ref = :r AND d.code = :d"""),
        {"r": ref, "d": dep},
    ).scalar_one()


def _act(client, session, ref, who, **body):
    return client.post(
        f"/api/issues/{ref}/actions", json={**body, "version": version_of(session, ref)}, headers=token(client, who)
    )


def _answer(client, session, ref, who, dep, note="已整改"):
    did = _dispatch_id(session, ref, dep)
    for step in ("acknowledge", "arrive"):
        assert _act(client, session, ref, who, action=step, dispatch_id=did).status_code == 200
    return _act(client, session, ref, who, action="done", dispatch_id=did, note=note)


def test_done_needs_a_result_note_and_the_last_one_makes_the_issue_await_acceptance(client, session):
    ref = _dispatched(session, client)
    did = _dispatch_id(session, ref, "market_reg")
    for step in ("acknowledge", "arrive"):
        assert _act(client, session, ref, "staff", action=step, dispatch_id=did).status_code == 200
    before = counts(session)
    res = _act(client, session, ref, "staff", action="done", dispatch_id=did)
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "note"
    assert counts(session) == before
    res = _act(client, session, ref, "staff", action="done", dispatch_id=did, note="责令加装油烟净化器")
    assert res.status_code == 200
    assert res.get_json()["properties"]["events"][-1]["data"]["all_done"] is False
    res = _answer(client, session, ref, "staff_environment", "environment", "监测达标")
    assert res.get_json()["properties"]["events"][-1]["data"]["all_done"] is True
    note = session.execute(text("SELECT result_note FROM dispatches WHERE id = :i"), {"i": did}).scalar()
    assert note == "责令加装油烟净化器"

    awaiting = client.get("/api/issues?awaiting=true", headers=token(client, "chief")).get_json()
    assert ref in [f["id"] for f in awaiting["features"]]
    login(client, "chief")
    page = client.get("/work").get_data(as_text=True)
    assert 'data-count="awaiting"' in page and "待验收" in page
    assert "待验收" in client.get(f"/issues/{ref}").get_data(as_text=True)
    # done twice is an illegal move
    assert _act(client, session, ref, "staff", action="done", dispatch_id=did, note="x").status_code == 422


def test_a_department_returns_a_wrong_dispatch_with_a_reason(client, session):
    ref = _dispatched(session, client)
    did = _dispatch_id(session, ref, "market_reg")
    before = counts(session)
    res = _act(client, session, ref, "staff", action="return", dispatch_id=did)
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "reason" and counts(session) == before
    # another department's staff and the chief may not return it
    other = _dispatch_id(session, ref, "environment")
    assert _act(client, session, ref, "staff", action="return", dispatch_id=other, reason="x").status_code == 403
    assert _act(client, session, ref, "chief", action="return", dispatch_id=did, reason="x").status_code == 403
    res = _act(client, session, ref, "staff", action="return", dispatch_id=did, reason="属生态环境职责，非市场监管")
    assert res.status_code == 200, res.get_json()
    row = session.execute(text("SELECT returned_at, return_reason FROM dispatches WHERE id = :i"), {"i": did}).one()
    assert row.returned_at and row.return_reason.startswith("属生态环境")
    # a returned dispatch takes no more steps, and is no longer waited for
    assert _act(client, session, ref, "staff", action="acknowledge", dispatch_id=did).status_code == 422
    assert _act(client, session, ref, "staff", action="return", dispatch_id=did, reason="again").status_code == 422
    _answer(client, session, ref, "staff_environment", "environment")
    awaiting = client.get("/api/issues?awaiting=true", headers=token(client, "chief")).get_json()
    assert ref in [f["id"] for f in awaiting["features"]]
    # the chief sees the return on the issue page and in the list
    login(client, "chief")
    assert "属生态环境职责" in client.get(f"/issues/{ref}").get_data(as_text=True)
    page = client.get("/work?status=all").get_data(as_text=True)
    assert "退单" in page


def test_return_on_a_closed_issue_is_illegal_and_buttons_are_verbs(client, session):
    ref = _dispatched(session, client)
    login(client, "staff")
    page = client.get("/dispatches").get_data(as_text=True)
    assert "报到" in page and "退单" in page
    did = _dispatch_id(session, ref, "market_reg")
    csrf_of(client, "/dispatches")
    closed = session.execute(text("SELECT ref FROM issues WHERE status = 'closed' ORDER BY id LIMIT 1")).scalar()
    res = _act(client, session, closed, "admin", action="return", dispatch_id=did, reason="x")
    assert res.status_code == 422


def test_home_page_shows_the_team_to_do_counts(client, session):
    login(client, "chief")
    html = client.get("/").get_data(as_text=True)
    assert "data-todo" in html and "待验收" in html and "超期" in html
    client.post("/logout", data={"csrf_token": csrf_of(client, "/")})
    assert "data-todo" not in client.get("/").get_data(as_text=True)
