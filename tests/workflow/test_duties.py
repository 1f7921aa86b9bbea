"""验收 by someone else, 督办, and 延期申请: success, illegal move (422), out of scope (403), bad input (400)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from geo_app.domain.core import localtime
from tests.factories import new_issue
from tests.workflow.helpers import counts, login, post_form, status_of, token, version_of


def _act(client, session, ref, who, **body):
    return client.post(
        f"/api/issues/{ref}/actions", json={**body, "version": version_of(session, ref)}, headers=token(client, who)
    )


def _issue(session, when=None):
    issue = new_issue(session, "noise", when=when or datetime.now(UTC).date().isoformat())
    session.commit()
    return issue.ref


def _resolved(client, session, who="chief"):
    ref = _issue(session)
    assert _act(client, session, ref, "chief", action="accept").status_code == 200
    assert _act(client, session, ref, who, action="resolve", resolution="on_site").status_code == 200
    return ref


def test_the_resolver_cannot_verify_and_someone_else_can(client, session):
    ref = _resolved(client, session)
    before = counts(session)
    res = _act(client, session, ref, "chief", action="verify", passed=True)
    err = res.get_json()["error"]
    assert res.status_code == 403 and err["code"] == "same_person" and "someone else" in err["message"]
    assert counts(session) == before and status_of(session, ref) == "resolved"
    res = _act(client, session, ref, "secretary", action="verify", passed=True)
    assert res.status_code == 200 and status_of(session, ref) == "verified"


def test_separation_of_duties_is_a_deployment_setting(app, client, session):
    ref = _resolved(client, session)
    app.config["SEPARATE_VERIFIER"] = False
    try:
        assert _act(client, session, ref, "chief", action="verify", passed=True).status_code == 200
    finally:
        app.config["SEPARATE_VERIFIER"] = True


def test_a_failed_self_check_in_the_browser_says_it_failed_and_why(client, session):
    ref = _resolved(client, session)
    login(client, "chief")
    res = post_form(
        client,
        f"/issues/{ref}",
        f"/issues/{ref}/actions",
        {"action": "verify_close", "version": version_of(session, ref), "passed": "true"},
    )
    html = res.get_data(as_text=True)
    assert res.status_code == 403 and "须由团队中的其他人验收" in html and "完成</p>" not in html


def test_escalate_records_who_pressed_whom_and_is_counted(client, session):
    ref = _issue(session, when=(datetime.now(UTC) - timedelta(days=40)).date().isoformat())
    before = counts(session)
    res = _act(client, session, ref, "planner", action="escalate")
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "note" and counts(session) == before
    assert _act(client, session, ref, "chief", action="escalate", note="x").status_code == 403
    assert _act(client, session, ref, "staff", action="escalate", note="x").status_code == 403
    res = _act(client, session, ref, "planner", action="escalate", note="请三日内处理")
    assert res.status_code == 200
    data = res.get_json()["properties"]["events"][-1]["data"]
    assert data["team"] == "T-YHNL" and data["chief"] == "chief" and data["days_overdue"] >= 20
    assert _act(client, session, ref, "secretary", action="escalate", note="书记督办").status_code == 200
    login(client, "chief")
    page = client.get("/work").get_data(as_text=True)
    assert 'data-count="escalated"' in page and "督办 ×2" in page and "超期" in page
    closed = session.execute(text("SELECT ref FROM issues WHERE status = 'closed' ORDER BY id LIMIT 1")).scalar()
    assert _act(client, session, closed, "admin", action="escalate", note="x").status_code == 422


def test_a_chief_cannot_move_an_overdue_date_but_requests_it_and_a_secretary_decides(client, session):
    ref = _issue(session, when=(datetime.now(UTC) - timedelta(days=40)).date().isoformat())
    later = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    before = counts(session)
    res = _act(client, session, ref, "chief", action="set_due", due_at=later)
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "extension_required"
    assert counts(session) == before
    # bad input: no reason, a date in the past
    res = _act(client, session, ref, "chief", action="request_extension", due_at=later)
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "reason"
    res = _act(client, session, ref, "chief", action="request_extension", due_at="2001-01-01", reason="x")
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "due_at"
    assert counts(session) == before
    # nothing to decide yet: illegal; out of scope: a chief of another team, a planner
    assert _act(client, session, ref, "secretary", action="decide_extension", approve=True).status_code == 422
    assert (
        _act(client, session, ref, "chief_xa", action="request_extension", due_at=later, reason="x").status_code == 403
    )
    res = _act(client, session, ref, "chief", action="request_extension", due_at=later, reason="需等待管道材料")
    assert res.status_code == 200
    assert _act(client, session, ref, "chief", action="request_extension", due_at=later, reason="y").status_code == 422
    assert _act(client, session, ref, "chief", action="decide_extension", approve=True).status_code == 403
    assert _act(client, session, ref, "planner", action="decide_extension", approve=True).status_code == 403
    res = _act(client, session, ref, "secretary", action="decide_extension", approve="yes")
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "approve"
    res = _act(client, session, ref, "secretary", action="decide_extension", approve=True)
    assert res.status_code == 200
    due = session.execute(text("SELECT due_at FROM issues WHERE ref = :r"), {"r": ref}).scalar()
    assert due.astimezone(localtime.zone()).date().isoformat() == later
    actions = [e["action"] for e in res.get_json()["properties"]["events"]]
    assert actions[-2:] == ["request_extension", "decide_extension"]


def test_a_refused_extension_keeps_the_date_and_needs_a_note(client, session):
    ref = _issue(session, when=(datetime.now(UTC) - timedelta(days=40)).date().isoformat())
    due = session.execute(text("SELECT due_at FROM issues WHERE ref = :r"), {"r": ref}).scalar()
    later = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    assert (
        _act(client, session, ref, "chief", action="request_extension", due_at=later, reason="等材料").status_code
        == 200
    )
    res = _act(client, session, ref, "secretary", action="decide_extension", approve=False)
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "note"
    assert (
        _act(client, session, ref, "secretary", action="decide_extension", approve=False, note="材料已到").status_code
        == 200
    )
    assert session.execute(text("SELECT due_at FROM issues WHERE ref = :r"), {"r": ref}).scalar() == due
