"""回访 and reopening: satisfaction recorded, "not satisfied" reopens, closing needs a 回访 where configured."""

from datetime import UTC, datetime

from sqlalchemy import text

from tests.factories import new_issue
from tests.workflow.helpers import counts, status_of, token, version_of


def _act(client, session, ref, who, **body):
    return client.post(
        f"/api/issues/{ref}/actions", json={**body, "version": version_of(session, ref)}, headers=token(client, who)
    )


def _resolved(client, session):
    issue = new_issue(session, "noise", when=datetime.now(UTC).date().isoformat())
    session.commit()
    ref = issue.ref
    assert _act(client, session, ref, "chief", action="accept").status_code == 200
    assert _act(client, session, ref, "chief", action="resolve", resolution="on_site").status_code == 200
    return ref


def test_unsatisfied_reopens_and_a_second_follow_up_lets_it_close(client, session):
    ref = _resolved(client, session)
    before = counts(session)
    for bad, field in (
        ({"satisfaction": "happy", "method": "phone"}, "satisfaction"),
        ({"satisfaction": "satisfied", "method": "pigeon"}, "method"),
        ({"satisfaction": "unsatisfied", "method": "phone"}, "note"),
    ):
        res = _act(client, session, ref, "secretary", action="follow_up", **bad)
        assert res.status_code == 400 and res.get_json()["error"]["field"] == field, bad
    assert counts(session) == before
    assert (
        _act(client, session, ref, "staff", action="follow_up", satisfaction="satisfied", method="phone").status_code
        == 403
    )
    assert (
        _act(client, session, ref, "chief_xa", action="follow_up", satisfaction="satisfied", method="phone").status_code
        == 403
    )

    res = _act(
        client, session, ref, "clerk", action="follow_up", satisfaction="unsatisfied", method="phone", note="晚上仍吵"
    )
    assert res.status_code == 200 and status_of(session, ref) == "in_progress"
    assert _act(client, session, ref, "chief", action="resolve", resolution="on_site").status_code == 200
    assert _act(client, session, ref, "secretary", action="verify", passed=True).status_code == 200
    res = _act(client, session, ref, "secretary", action="close")
    assert res.status_code == 422 and res.get_json()["error"]["code"] == "follow_up_required"
    assert status_of(session, ref) == "verified"
    res = _act(
        client, session, ref, "secretary", action="follow_up", satisfaction="basic", method="visit", note="基本满意"
    )
    assert res.status_code == 200 and status_of(session, ref) == "verified"
    assert _act(client, session, ref, "secretary", action="close").status_code == 200
    body = client.get(f"/api/issues/{ref}", headers=token(client, "secretary")).get_json()
    assert [f["satisfaction"] for f in body["properties"]["follow_ups"]] == ["unsatisfied", "basic"]


def test_reopen_after_close_needs_a_reason_and_the_team(client, session):
    ref = _resolved(client, session)
    assert (
        _act(
            client, session, ref, "secretary", action="follow_up", satisfaction="satisfied", method="phone"
        ).status_code
        == 200
    )
    assert _act(client, session, ref, "secretary", action="verify", passed=True).status_code == 200
    assert _act(client, session, ref, "secretary", action="close").status_code == 200
    before = counts(session)
    res = _act(client, session, ref, "chief", action="reopen")
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "reason" and counts(session) == before
    assert _act(client, session, ref, "planner", action="reopen", reason="x").status_code == 403
    res = _act(client, session, ref, "chief", action="reopen", reason="问题复发")
    assert res.status_code == 200 and status_of(session, ref) == "in_progress"
    row = session.execute(text("SELECT resolution, closed_at FROM issues WHERE ref = :r"), {"r": ref}).one()
    assert row.resolution is None and row.closed_at is None
    # reopening an open issue is an illegal move
    assert _act(client, session, ref, "chief", action="reopen", reason="again").status_code == 422
    res = _act(client, session, ref, "chief", action="follow_up", satisfaction="satisfied", method="phone")
    assert res.status_code == 422


def test_follow_up_page_form_and_labels(client, session):
    from tests.workflow.helpers import login, post_form

    ref = _resolved(client, session)
    login(client, "secretary")
    html = client.get(f"/issues/{ref}").get_data(as_text=True)
    assert "回访" in html and "基本满意" in html
    res = post_form(
        client,
        f"/issues/{ref}",
        f"/issues/{ref}/actions",
        {"action": "follow_up", "version": version_of(session, ref), "satisfaction": "satisfied", "method": "phone"},
    )
    assert res.status_code == 302
    assert "满意" in client.get(f"/issues/{ref}").get_data(as_text=True)
