"""The issue page leads with one primary button for the likely next action; the other allowed actions are
folded; the menu carries the to-do counts."""

import re

import pytest

from geo_app.domain.workflow.next_step import page_actions, primary_action
from tests.factories import act, new_issue
from tests.workflow.helpers import login

ALL = {
    "accept",
    "reject",
    "merge",
    "dispatch",
    "start",
    "resolve",
    "verify",
    "close",
    "set_due",
    "escalate",
    "request_extension",
    "decide_extension",
    "follow_up",
    "reopen",
    "relocate",
}


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"status": "reported"}, "accept"),
        ({"status": "accepted"}, "dispatch"),
        ({"status": "dispatched"}, None),
        ({"status": "dispatched", "awaiting_acceptance": True}, "resolve"),
        ({"status": "dispatched", "overdue": True}, "escalate"),
        ({"status": "in_progress"}, "resolve"),
        ({"status": "resolved", "needs_follow_up": True}, "follow_up"),
        ({"status": "resolved"}, "verify"),
        ({"status": "verified"}, "close"),
        ({"status": "closed"}, None),
        ({"status": "in_progress", "pending_extension": {"id": 1}}, "decide_extension"),
    ],
)
def test_the_likely_next_action(facts, expected):
    assert primary_action(facts, ALL) == expected


def test_a_primary_action_the_user_may_not_take_is_not_offered():
    assert primary_action({"status": "reported"}, {"reject", "merge"}) is None
    primary, folded = page_actions({"status": "resolved"}, {"verify", "set_due", "decide_extension"})
    assert primary == "verify" and folded == ["verify_fail", "set_due"]  # no decision without a request


def _primary_buttons(html):
    return re.findall(r'<button[^>]*class="[^"]*\bprimary\b[^"]*"[^>]*data-act="([^"]+)"', html)


def test_the_page_shows_one_primary_button_and_folds_the_rest(client, session):
    ref = new_issue(session).ref
    session.commit()
    login(client, "chief")
    html = client.get(f"/issues/{ref}").get_data(as_text=True)
    assert 'data-primary="accept"' in html and _primary_buttons(html) == ["accept"]
    folded = html.split('<details class="more-actions"')[1]
    assert 'data-act="reject"' in folded and 'data-act="accept"' not in folded
    assert "版本" not in html and "Version" not in html


def test_after_resolution_the_follow_up_leads(client, session):
    issue = new_issue(session)
    act(session, issue, "accept", "chief", "2021-03-02")
    act(session, issue, "resolve", "chief", "2021-03-03", resolution="team")
    session.commit()
    login(client, "secretary")
    html = client.get(f"/issues/{issue.ref}").get_data(as_text=True)
    assert 'data-primary="follow_up"' in html and _primary_buttons(html) == ["follow_up"]


def test_the_menu_shows_the_to_do_counts(client, session):
    new_issue(session)
    session.commit()
    login(client, "chief")
    html = client.get("/work").get_data(as_text=True)
    nav = html.split('class="mainnav"')[1].split("</nav>")[0]
    assert re.search(r'data-menu-count="new"[^>]*>\d+<', nav)
    login(client, "staff")
    nav = client.get("/").get_data(as_text=True).split('class="mainnav"')[1].split("</nav>")[0]
    assert "data-menu-count" not in nav or 'data-menu-count="dispatches"' in nav


def test_a_to_do_count_stops_at_its_cap_and_says_so(client, session, monkeypatch):
    from sqlalchemy import select

    from geo_app.domain.workflow import todo
    from geo_app.models import User

    for _ in range(3):
        new_issue(session)
    session.commit()
    monkeypatch.setattr(todo, "COUNT_MAX", 2)
    chief = session.execute(select(User).where(User.username == "chief")).scalar_one()
    assert todo.counts(session, chief)["new"] == 2  # counted no further
    login(client, "chief")
    html = client.get("/work").get_data(as_text=True)
    nav = html.split('class="mainnav"')[1].split("</nav>")[0]
    assert re.search(r'data-menu-count="new"[^>]*>2\+<', nav), nav
