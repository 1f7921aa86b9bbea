"""The issue page's next step: of the actions a user may take now, the one the work most likely needs.

The page shows it as its one primary button and folds the others, so that a phone shows the next step
first instead of a stack of every allowed form."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

# every action form of the page, in the order the folded ones are listed
ORDER = (
    "accept",
    "decide_extension",
    "dispatch",
    "start",
    "resolve",
    "verify",
    "verify_fail",
    "follow_up",
    "close",
    "set_due",
    "request_extension",
    "escalate",
    "publish",
    "relocate",
    "merge",
    "reject",
    "reopen",
)
_BY_STATUS = {
    "reported": ("accept",),
    "accepted": ("dispatch", "resolve"),
    "in_progress": ("resolve",),
    "closed": (),
}


def primary_action(issue: Mapping[str, Any], allowed: Collection[str]) -> str | None:
    """Return the likely next action on `issue` among `allowed` (None: nothing for this user to push now)."""
    if issue.get("pending_extension") and "decide_extension" in allowed:
        return "decide_extension"
    status = issue["status"]
    if status == "dispatched":
        # the departments work; once they all finished, the team settles it
        wanted: tuple[str, ...] = ("resolve",) if issue.get("awaiting_acceptance") else ()
    elif status in ("resolved", "verified"):
        after = "verify" if status == "resolved" else "close"
        wanted = ("follow_up", after) if issue.get("needs_follow_up") else (after,)
    else:
        wanted = _BY_STATUS.get(status, ())
    if issue.get("overdue"):
        wanted += ("escalate", "request_extension")
    return next((a for a in wanted if a in allowed), None)


def page_actions(issue: Mapping[str, Any], allowed: Collection[str]) -> tuple[str | None, list[str]]:
    """Return (primary, folded): the page's primary action and the other allowed action forms, in ORDER."""
    forms = set(allowed) | ({"verify_fail"} if "verify" in allowed else set())
    if not issue.get("pending_extension"):
        forms.discard("decide_extension")
    primary = primary_action(issue, allowed)
    return primary, [a for a in ORDER if a in forms and a != primary]
