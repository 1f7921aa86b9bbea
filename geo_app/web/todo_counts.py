"""The signed-in user's to-do counts, computed once per request: the menu of every page shows some of them
and the front page and the work list all of them (geo_app.domain.workflow.todo)."""

from __future__ import annotations

from flask import g
from flask_login import current_user

from geo_app.domain.workflow import todo
from geo_app.extensions import db_session
from geo_app.vocab import WORKLIST_ROLES


def counts() -> dict[str, int]:
    """Return the signed-in user's to-do counts (once per request)."""
    if "todo_counts" not in g:
        g.todo_counts = todo.counts(db_session(), current_user._get_current_object())
    found: dict[str, int] = g.todo_counts
    return found


def menu() -> dict[str, int]:
    """Return the counts the menu shows, from the request's counts when the user has a work list."""
    user = current_user._get_current_object()
    return todo.menu_counts(db_session(), user, counts() if user.role in WORKLIST_ROLES else None)
