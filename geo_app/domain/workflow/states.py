"""The issue state machine, as data: which action moves an issue from which state to which.

`MOVES[action][from_state] -> to_state`. Actions missing from a state's row are illegal there; the
error names the current state and the moves allowed from it. Dispatch-level actions (acknowledge,
arrive, done) and set_due do not change the issue's state; STAY_ACTIONS says where they are allowed.
"""

from __future__ import annotations

from typing import Any

from geo_app.vocab import OPEN_STATUSES, STATUSES, WITH_DEPARTMENTS_STATUSES

MOVES: dict[str, dict[str, str]] = {
    "accept": {"reported": "accepted"},
    "reject": {"reported": "rejected", "accepted": "rejected"},
    "merge": {"reported": "duplicate", "accepted": "duplicate"},
    "dispatch": {"accepted": "dispatched", "dispatched": "dispatched", "in_progress": "dispatched"},
    "start": {"accepted": "in_progress", "dispatched": "in_progress"},
    "resolve": {"accepted": "resolved", "dispatched": "resolved", "in_progress": "resolved"},
    "verify_passed": {"resolved": "verified"},
    "verify_failed": {"resolved": "in_progress"},  # 验收 failed: back to work
    "close": {"verified": "closed"},
    # 回访: a satisfied or basically satisfied resident leaves the state; "not satisfied" reopens
    "follow_up": {"resolved": "resolved", "verified": "verified", "closed": "closed"},
    "follow_up_unsatisfied": {"resolved": "in_progress", "verified": "in_progress", "closed": "in_progress"},
    "reopen": {"closed": "in_progress"},
}

STAY_ACTIONS: dict[str, tuple[str, ...]] = {
    "set_due": OPEN_STATUSES + ("resolved",),
    "acknowledge": ("dispatched", "in_progress", "resolved", "verified", "closed"),
    "arrive": ("dispatched", "in_progress", "resolved", "verified", "closed"),
    "done": ("dispatched", "in_progress", "resolved", "verified", "closed"),
    "relocate": OPEN_STATUSES,
    "return": WITH_DEPARTMENTS_STATUSES,
    "escalate": OPEN_STATUSES,
    "request_extension": OPEN_STATUSES,
    "decide_extension": OPEN_STATUSES,
    # staff publish (or withdraw) an issue's text for Open311 at any stage Open311 shows
    "publish": tuple(s for s in STATUSES if s not in ("rejected", "duplicate")),
}

ACTIONS = (
    "accept",
    "reject",
    "merge",
    "dispatch",
    "start",
    "resolve",
    "verify",
    "close",
    "set_due",
    "acknowledge",
    "arrive",
    "done",
    "relocate",
    "return",
    "escalate",
    "request_extension",
    "decide_extension",
    "follow_up",
    "reopen",
    "publish",
)


def move_key(action: str, params: dict[str, Any]) -> str:
    """Return the MOVES key of an action (verify splits on its `passed` flag)."""
    if action == "verify":
        return "verify_passed" if params.get("passed") else "verify_failed"
    if action == "follow_up" and params.get("satisfaction") == "unsatisfied":
        return "follow_up_unsatisfied"
    return action


def target_state(action: str, params: dict[str, Any], current: str) -> str | None:
    """Return the state `action` leads to from `current`, or None when the move is illegal."""
    key = move_key(action, params)
    if key in MOVES:
        return MOVES[key].get(current)
    if current in STAY_ACTIONS.get(key, ()):
        return current
    return None


def allowed_actions(current: str) -> list[str]:
    """Return the actions allowed from `current`, in a stable order."""
    allowed = []
    for action in ACTIONS:
        keys = {"verify": ["verify_passed", "verify_failed"], "follow_up": ["follow_up", "follow_up_unsatisfied"]}.get(
            action, [action]
        )
        if any(current in MOVES.get(k, {}) or current in STAY_ACTIONS.get(k, ()) for k in keys):
            allowed.append(action)
    return allowed
