"""The 银湖南路 cooking-fumes story through HTTP: intake, whistle, two departments, failed then passed acceptance."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text

from geo_app.domain.analysis.reports import report as reports
from geo_app.domain.core import localtime
from tests.factories import point_on
from tests.workflow.helpers import csrf_of, login, status_of, version_of


def _act(client, session, ref, action, **fields):
    """Post one action form from the issue page with the current version; return the response."""
    data = {"action": action, "version": version_of(session, ref), "csrf_token": csrf_of(client, f"/issues/{ref}")}
    return client.post(f"/issues/{ref}/actions", data={**data, **fields})


def _ok(res):
    assert res.status_code == 302, res.get_data(as_text=True)[:2000]
    return res


def _dispatch_ids(session, ref, department):
    return (
        session.execute(
            text("""
        SELECT d.id FROM dispatches d JOIN departments dep ON dep.id = d.department_id
        JOIN issues i ON i.id = d.issue_id
        WHERE i.ref = :r AND dep.code = :c ORDER BY d.id"""),
            {"r": ref, "c": department},
        )
        .scalars()
        .all()
    )


def _department_answers(client, session, username, ref, department):
    """Log in as the department's staff, find the dispatch on their list, acknowledge, arrive, finish."""
    login(client, username)
    listing = client.get("/dispatches").get_data(as_text=True)
    assert ref in listing
    dispatch_id = _dispatch_ids(session, ref, department)[-1]
    for step in ("acknowledge", "arrive", "done"):
        res = client.post(
            f"/issues/{ref}/actions",
            data={
                "action": step,
                "dispatch_id": dispatch_id,
                "version": version_of(session, ref),
                "next": "/dispatches",
                "csrf_token": csrf_of(client, "/dispatches"),
                **({"note": f"{department}: 已到场处置"} if step == "done" else {}),
            },
        )
        assert res.status_code == 302 and res.headers["Location"].endswith("/dispatches"), res.get_data(as_text=True)
    row = session.execute(
        text("SELECT acknowledged_at, arrived_at, done_at FROM dispatches WHERE id = :i"), {"i": dispatch_id}
    ).one()
    assert row.acknowledged_at <= row.arrived_at <= row.done_at


def test_fumes_story_from_intake_to_closed(client, session):
    today = datetime.now(localtime.zone()).date()
    before = reports.figures(session, today, today)
    lon, lat = point_on(session, "银湖南路", 0.4)

    # the clerk logs a visit of three residents at the hall, then files the issue at a point on 银湖南路
    login(client, "clerk")
    res = _ok(
        client.post(
            "/intake/visits",
            data={"people": "3", "topics": "银湖南路美食街油烟；噪声", "csrf_token": csrf_of(client, "/intake")},
        )
    )
    visit_url = res.headers["Location"]
    visit_id = int(visit_url.rstrip("/").rsplit("/", 1)[1])
    res = _ok(
        client.post(
            f"/intake/visits/{visit_id}/issues",
            data={
                "category": "cooking_fumes",
                "description": "餐馆油烟直排，飘进居民楼",
                "lon": f"{lon:.6f}",
                "lat": f"{lat:.6f}",
                "address": "银湖南路美食街",
                "reporter_name": "张女士",
                "reporter_phone": "138-0000-0001",
                "csrf_token": csrf_of(client, visit_url),
            },
        )
    )
    issue = session.execute(
        text("""
        SELECT i.ref, i.status, i.version, i.channel, i.reported_at, i.due_at, s.street_name, t.code AS team, c.sla_days
        FROM issues i JOIN street_segments s ON s.id = i.segment_id JOIN teams t ON t.id = i.team_id
        JOIN categories c ON c.code = i.category WHERE i.visit_id = :v"""),
        {"v": visit_id},
    ).one()
    ref = issue.ref
    assert (issue.street_name, issue.team, issue.status, issue.version, issue.channel) == (
        "银湖南路",
        "T-YHNL",
        "reported",
        1,
        "reception_hall",
    )
    assert issue.due_at == issue.reported_at + timedelta(days=issue.sla_days)
    if "/duplicates" in res.headers["Location"]:
        offers = client.get(res.headers["Location"]).get_data(as_text=True)
        assert "merge" in offers and ref in offers  # offered, and the clerk keeps it as a new issue
    assert ref in client.get(visit_url).get_data(as_text=True)

    # the chief accepts, agrees the acceptance date, and blows the whistle to two departments
    login(client, "chief")
    assert ref in client.get("/work").get_data(as_text=True)
    _ok(_act(client, session, ref, "accept"))
    due = (today + timedelta(days=7)).isoformat()
    _ok(_act(client, session, ref, "set_due", due_at=due))
    _ok(
        client.post(
            f"/issues/{ref}/actions",
            data={
                "action": "dispatch",
                "version": version_of(session, ref),
                "departments": ["market_reg", "environment"],
                "reason": "油烟扰民，请市场监管、生态环境到场",
                "csrf_token": csrf_of(client, f"/issues/{ref}"),
            },
        )
    )
    assert status_of(session, ref) == "dispatched"
    assert len(_dispatch_ids(session, ref, "market_reg")) == len(_dispatch_ids(session, ref, "environment")) == 1

    _department_answers(client, session, "staff", ref, "market_reg")
    _department_answers(client, session, "staff_environment", ref, "environment")

    login(client, "chief")
    _ok(_act(client, session, ref, "start"))
    _ok(_act(client, session, ref, "resolve", resolution="team", note="加装油烟净化器"))
    assert status_of(session, ref) == "resolved"
    # the chief resolved it, so the chief cannot check it (验收 by someone else): refused, with the reason
    res = _act(client, session, ref, "verify_close", passed="true", note="自己验收")
    assert res.status_code == 403 and "须由团队中的其他人验收" in res.get_data(as_text=True)
    assert status_of(session, ref) == "resolved"
    # first acceptance, by the team's secretary, fails: back to work, with the reason
    login(client, "secretary")
    _ok(_act(client, session, ref, "verify", passed="false", note="油烟仍超标"))
    assert status_of(session, ref) == "in_progress"
    _ok(
        client.post(
            f"/issues/{ref}/actions",
            data={
                "action": "dispatch",
                "version": version_of(session, ref),
                "departments": ["market_reg"],
                "reason": "第二轮：排烟管道加高",
                "csrf_token": csrf_of(client, f"/issues/{ref}"),
            },
        )
    )
    _department_answers(client, session, "staff", ref, "market_reg")
    login(client, "chief")
    _ok(_act(client, session, ref, "resolve", resolution="team", note="排烟管道加高，限定营业时间"))
    login(client, "secretary")
    # closing needs a 回访 (on for the demo): refused first, then the resident is called
    res = _act(client, session, ref, "verify_close", passed="true", note="验收通过")
    assert res.status_code == 422 and "请先记录回访" in res.get_data(as_text=True)
    _ok(_act(client, session, ref, "follow_up", satisfaction="satisfied", method="phone", note="群众满意"))
    _ok(_act(client, session, ref, "verify_close", passed="true", note="验收通过"))
    assert status_of(session, ref) == "closed"

    events = session.execute(
        text("""
        SELECT e.action, e.from_status, e.to_status, u.username FROM issue_events e JOIN issues i ON i.id = e.issue_id
        LEFT JOIN users u ON u.id = e.actor_id WHERE i.ref = :r ORDER BY e.at, e.id"""),
        {"r": ref},
    ).all()
    assert [e.action for e in events] == [
        "report",
        "accept",
        "set_due",
        "dispatch",
        *["acknowledge", "arrive", "done"] * 2,
        "start",
        "resolve",
        "verify",
        "dispatch",
        "acknowledge",
        "arrive",
        "done",
        "resolve",
        "follow_up",
        "verify",
        "close",
    ]
    assert events[0].username == "clerk" and events[-1].username == "secretary"
    assert {e.username for e in events if e.action == "acknowledge"} == {"staff", "staff_environment"}

    page = client.get(f"/issues/{ref}").get_data(as_text=True)
    assert "油烟仍超标" in page and "138-0000-0001" in page and page.count('class="timeline"') == 1

    after = reports.figures(session, today, today)
    assert after["issues_collected"] == before["issues_collected"] + 1
    assert after["solved_by_team"] == before["solved_by_team"] + 1
    assert after["solved_on_site"] == before["solved_on_site"]
    assert after["open"] == before["open"]
    assert after["visits"] == before["visits"] + 3
