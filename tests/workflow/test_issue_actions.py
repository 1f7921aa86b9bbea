"""The action engine: versions, legality, scope, dispatch steps, and the event log."""

import pytest
from sqlalchemy import text

from geo_app.domain.errors import Conflict, Forbidden, IllegalTransition, ValidationError
from geo_app.domain.workflow.actions import apply_action
from tests.factories import act, new_issue, user


def _events(session, issue):
    return session.execute(text("SELECT count(*) FROM issue_events WHERE issue_id = :i"), {"i": issue.id}).scalar()


def test_stale_version_is_refused_and_changes_nothing(session):
    issue = new_issue(session)
    apply_action(session, issue.ref, "accept", user(session, "chief"), {}, expected_version=1)
    before = _events(session, issue)
    with pytest.raises(Conflict) as err:
        apply_action(session, issue.ref, "reject", user(session, "chief"), {"reason": "x"}, expected_version=1)
    assert err.value.http_status == 409 and err.value.details["current_version"] == 2
    assert (issue.status, issue.version, _events(session, issue)) == ("accepted", 2, before)


def test_illegal_move_names_state_and_allowed_moves(session):
    issue = new_issue(session)
    with pytest.raises(IllegalTransition) as err:
        apply_action(session, issue.ref, "close", user(session, "chief"), {}, expected_version=1)
    assert err.value.http_status == 422
    assert err.value.details["status"] == "reported"
    assert "accept" in err.value.details["allowed"] and "close" not in err.value.details["allowed"]


def test_chief_of_another_team_and_planner_are_refused(session):
    issue = new_issue(session, street="银湖南路")
    for name in ("chief_xa", "planner", "staff"):
        with pytest.raises(Forbidden):
            apply_action(session, issue.ref, "accept", user(session, name), {}, expected_version=1)
    assert issue.status == "reported" and _events(session, issue) == 1


def test_whistle_makes_one_dispatch_per_department_and_staff_answer_only_their_own(session):
    issue = new_issue(session, "cooking_fumes")
    act(session, issue, "accept", "chief", "2021-03-01")
    act(session, issue, "dispatch", "chief", "2021-03-01", departments=["market_reg", "environment"], reason="油烟")
    rows = (
        session.execute(
            text("""SELECT d.code FROM dispatches x JOIN departments d ON d.id = x.department_id
        WHERE x.issue_id = :i ORDER BY d.code"""),
            {"i": issue.id},
        )
        .scalars()
        .all()
    )
    assert rows == ["environment", "market_reg"] and issue.status == "dispatched"
    env_dispatch = session.execute(
        text("""SELECT x.id FROM dispatches x JOIN departments d ON d.id = x.department_id
        WHERE x.issue_id = :i AND d.code = 'environment'"""),
        {"i": issue.id},
    ).scalar()
    with pytest.raises(Forbidden):
        act(session, issue, "acknowledge", "staff", "2021-03-02", dispatch_id=env_dispatch)
    with pytest.raises(IllegalTransition):
        act(session, issue, "arrive", "staff", "2021-03-02")  # not acknowledged yet
    act(session, issue, "acknowledge", "staff", "2021-03-02")
    act(session, issue, "arrive", "staff", "2021-03-02")
    times = session.execute(
        text("""SELECT acknowledged_at, arrived_at, done_at FROM dispatches x
        JOIN departments d ON d.id = x.department_id WHERE x.issue_id = :i AND d.code = 'market_reg'"""),
        {"i": issue.id},
    ).one()
    assert times.acknowledged_at and times.arrived_at and times.done_at is None
    assert issue.status == "dispatched"  # dispatch-level steps leave the issue's state alone


def test_bad_parameters_name_their_field(session):
    issue = new_issue(session)
    act(session, issue, "accept", "chief", "2021-03-01")
    cases = [
        ("dispatch", {"departments": ["nope"]}, "departments"),
        ("dispatch", {}, "departments"),
        ("resolve", {"resolution": "magic"}, "resolution"),
        ("reject", {}, "reason"),
        ("merge", {"into": "DT-1999-00001"}, "into"),
        ("set_due", {"due_at": "someday"}, "due_at"),
        ("reject", {"reason": "<script>alert(1)</script>"}, "reason"),
        ("fly", {}, "action"),
    ]
    for action, params, field in cases:
        with pytest.raises(ValidationError) as err:
            apply_action(session, issue.ref, action, user(session, "chief"), params, expected_version=None)
        assert err.value.field == field, (action, params)
    assert issue.status == "accepted" and issue.version == 2


def test_failed_acceptance_goes_back_to_work_and_clears_the_resolution(session):
    issue = new_issue(session)
    act(session, issue, "accept", "chief", "2021-03-01")
    act(session, issue, "resolve", "secretary", "2021-03-02", resolution="on_site")
    with pytest.raises(ValidationError):
        act(session, issue, "verify", "chief", "2021-03-03", passed=False)  # a failure needs its reason
    act(session, issue, "verify", "chief", "2021-03-03", passed=False, note="仍有油烟")
    assert (issue.status, issue.resolution, issue.resolved_at) == ("in_progress", None, None)
    last = session.execute(
        text("""SELECT action, from_status, to_status, data FROM issue_events
        WHERE issue_id = :i ORDER BY id DESC LIMIT 1"""),
        {"i": issue.id},
    ).one()
    assert (last.action, last.from_status, last.to_status, last.data["passed"]) == (
        "verify",
        "resolved",
        "in_progress",
        False,
    )
