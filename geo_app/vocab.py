"""One home for each word of the work: roles and who may do what, issue states and their groups, channels,
resolutions, and the English labels of the states (translated by the web layer).

Nothing here imports the rest of the app, so models, domain and web all take their words from here. SQL
that needs a set of states gets it from here too, as a bound array or as `sql_in`'s fragment.
"""

from __future__ import annotations

from collections.abc import Iterable

# Roles of user accounts.
ROLES = ("admin", "planner", "clerk", "chief", "secretary", "staff")
STAFF_ROLES = ROLES  # every signed-in role works for the district
READ_ALL_ROLES = ("admin", "planner", "clerk")  # see every issue with its personal data
TEAM_ROLES = ("chief", "secretary")  # scoped to their street-chief team
INTAKE_ROLES = ("admin", "clerk", "chief", "secretary")  # clerks at the hall, chiefs who find problems on patrol
RECEPTION_ROLES = ("admin", "clerk")  # the reception hall's visit log and intake pages
SITE_VISIT_ROLES = ("admin", "chief", "secretary")  # 书记在现场
REVIEW_ROLES = ("admin", "secretary")  # the review queue of unlinked issues (no segment, no team)
ESCALATION_ROLES = ("admin", "planner", "secretary")  # the list of overdue issues (督办)
WORKLIST_ROLES = ("admin", "planner", "clerk", "chief", "secretary")
DISPATCH_ROLES = ("admin", "staff")  # department staff answer the whistle
CHIEF_MAP_ROLES = ("chief", "secretary", "planner", "admin")
PLANNER_ROLES = ("planner", "admin")  # district-wide analysis: hotspots, coverage, heat
FIRE_LANE_ROLES = ("chief", "secretary", "admin")  # confirm a fire lane's status
MEMBER_ROLES = ("chief", "secretary", "liaison", "member")  # roles inside a street-chief team

# Issue states (SPEC 3) and the groups the product counts by.
STATUSES = (
    "reported",
    "accepted",
    "dispatched",
    "in_progress",
    "resolved",
    "verified",
    "closed",
    "rejected",
    "duplicate",
)
OPEN_STATUSES = ("reported", "accepted", "dispatched", "in_progress")
SOLVED_STATUSES = ("resolved", "verified", "closed")
WITH_DEPARTMENTS_STATUSES = ("dispatched", "in_progress")  # departments may still be at work (待验收 when all done)
TERMINAL_STATUSES = ("closed", "rejected", "duplicate")
COUNTED_STATUSES = tuple(s for s in STATUSES if s != "duplicate")  # a merged duplicate is not a second issue

# The SPEC's channel codes, as the demo and migration 0012 seed them. A deployment's channels are data (the
# `channels` table, kept by an admin): code checks the table, never this tuple (the API document's example).
CHANNELS = ("reception_hall", "phone", "wechat", "patrol", "web", "open311")
RESOLUTIONS = ("on_site", "team")
SATISFACTION = ("satisfied", "basic", "unsatisfied")  # 回访: 满意 / 基本满意 / 不满意
FOLLOW_UP_METHODS = ("phone", "visit", "wechat", "sms", "other")
LANE_STATUSES = ("blocked", "partly_blocked", "clear")
LANE_BLOCKED_STATUSES = ("blocked", "partly_blocked")  # a lane is "opened" when it goes from one of these to clear
AREA_LEVELS = ("district", "subdistrict", "community")

# English labels (msgids); the web layer translates them with gettext.
STATUS_LABELS = {
    "reported": "Reported",
    "accepted": "Accepted",
    "dispatched": "Dispatched",
    "in_progress": "In progress",
    "resolved": "Resolved",
    "verified": "Verified",
    "closed": "Closed",
    "rejected": "Rejected",
    "duplicate": "Duplicate",
}
LANE_STATUS_LABELS = {"blocked": "Blocked", "partly_blocked": "Partly blocked", "clear": "Clear"}


def sql_in(column: str, values: Iterable[str]) -> str:
    """Return the SQL condition `column IN ('a', 'b')` over codes of this module (never user input)."""
    quoted = []
    for v in values:
        if not v.replace("_", "").isalnum():
            raise ValueError(f"not a code: {v!r}")
        quoted.append(f"'{v}'")
    return f"{column} IN ({', '.join(quoted)})"
