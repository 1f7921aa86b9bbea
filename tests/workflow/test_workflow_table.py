"""The state machine as data, without a database."""

import pytest

from geo_app.domain.workflow import states
from geo_app.vocab import STATUSES


@pytest.mark.parametrize(
    "action,params,frm,to",
    [
        ("accept", {}, "reported", "accepted"),
        ("dispatch", {}, "accepted", "dispatched"),
        ("dispatch", {}, "in_progress", "dispatched"),
        ("start", {}, "dispatched", "in_progress"),
        ("resolve", {}, "in_progress", "resolved"),
        ("resolve", {}, "accepted", "resolved"),
        ("verify", {"passed": True}, "resolved", "verified"),
        ("verify", {"passed": False}, "resolved", "in_progress"),
        ("close", {}, "verified", "closed"),
        ("reject", {}, "reported", "rejected"),
        ("merge", {}, "reported", "duplicate"),
        ("set_due", {}, "dispatched", "dispatched"),
        ("acknowledge", {}, "dispatched", "dispatched"),
    ],
)
def test_legal_moves(action, params, frm, to):
    assert states.target_state(action, params, frm) == to


@pytest.mark.parametrize(
    "action,frm",
    [
        ("close", "reported"),
        ("resolve", "reported"),
        ("accept", "closed"),
        ("verify", "in_progress"),
        ("dispatch", "reported"),
        ("reject", "resolved"),
        ("set_due", "closed"),
        ("acknowledge", "accepted"),
    ],
)
def test_illegal_moves(action, frm):
    assert states.target_state(action, {}, frm) is None


def test_terminal_states_allow_nothing_that_changes_state():
    for state in ("rejected", "duplicate"):
        assert states.allowed_actions(state) == []


def test_every_target_is_a_known_state_and_every_state_is_reachable():
    targets = {to for row in states.MOVES.values() for to in row.values()}
    assert targets <= set(STATUSES)
    assert targets | {"reported"} == set(STATUSES)


def test_allowed_actions_from_resolved():
    assert states.allowed_actions("resolved") == [
        "verify", "set_due", "acknowledge", "arrive", "done", "follow_up", "publish"
    ]  # fmt: skip


def test_the_daily_loop_moves():
    assert states.target_state("follow_up", {"satisfaction": "unsatisfied"}, "resolved") == "in_progress"
    assert states.target_state("follow_up", {"satisfaction": "basic"}, "verified") == "verified"
    assert states.target_state("reopen", {}, "closed") == "in_progress"
    assert states.target_state("reopen", {}, "in_progress") is None
    assert states.target_state("return", {}, "dispatched") == "dispatched"
    assert states.target_state("return", {}, "resolved") is None
    assert states.target_state("relocate", {}, "closed") is None
    assert "escalate" in states.allowed_actions("accepted") and "escalate" not in states.allowed_actions("closed")
    assert states.allowed_actions("closed")[-3:] == ["follow_up", "reopen", "publish"]
