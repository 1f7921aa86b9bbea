"""Reading HTML forms into domain input, labels shown for codes, and template helpers shared by the pages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from babel import dates as babel_dates
from flask import g, request
from flask_babel import get_locale, get_timezone
from flask_babel import lazy_gettext as _l

from geo_app import vocab
from geo_app.web import redirects

if TYPE_CHECKING:
    from flask.sansio.app import App
    from werkzeug.datastructures import MultiDict

STATUS_LABELS = {code: _l(text) for code, text in vocab.STATUS_LABELS.items()}
ACTION_LABELS = {
    "report": _l("reported"),
    "accept": _l("accept"),
    "reject": _l("reject"),
    "merge": _l("merge"),
    "dispatch": _l("blow the whistle"),
    "start": _l("start work"),
    "resolve": _l("resolve"),
    "verify": _l("acceptance check"),
    "close": _l("close"),
    "set_due": _l("set acceptance date"),
    "relink": _l("team changed with the street organisation"),
    "acknowledge": _l("acknowledge"),
    "arrive": _l("arrived"),
    "done": _l("done"),
    "relocate": _l("move the point"),
    "return": _l("return the dispatch"),
    "escalate": _l("press for action"),
    "request_extension": _l("request a later date"),
    "decide_extension": _l("decide on the later date"),
    "follow_up": _l("follow up with the resident"),
    "reopen": _l("reopen"),
    "publish": _l("publish for Open311"),
    "photo": _l("photo added"),
}
BUTTON_LABELS = {  # what a department's button says it does: verbs, not the state it leads to
    "acknowledge": _l("Report for duty"),
    "arrive": _l("We are on site"),
    "done": _l("Finished: send the result"),
}
RESOLUTION_LABELS = {"on_site": _l("on site"), "team": _l("by the team")}
DISPATCH_STATES = {
    "sent": _l("waiting"),
    "acknowledged": _l("acknowledged"),
    "arrived": _l("arrived"),
    "done": _l("done"),
    "returned": _l("returned"),
}
SATISFACTION_LABELS = {
    "satisfied": _l("satisfied"),
    "basic": _l("basically satisfied"),
    "unsatisfied": _l("not satisfied"),
}
METHOD_LABELS = {
    "phone": _l("phone call"),
    "visit": _l("home visit"),
    "wechat": _l("WeChat"),
    "sms": _l("text message"),
    "other": _l("other"),
}
CHANNEL_LABELS = {
    "reception_hall": _l("reception hall"),
    "phone": _l("phone"),
    "wechat": _l("WeChat group"),
    "patrol": _l("patrol"),
    "web": _l("web"),
    "open311": _l("Open311"),
}
NEXT_STEP = {"sent": "acknowledge", "acknowledged": "arrive", "arrived": "done"}
ACCEPTANCE_HOUR = "17:30"  # an acceptance date given as a day means the end of that working day


def label(kind: str, code: str | None) -> str:
    """Return the translated label of a status, action, resolution, dispatch state or channel code."""
    table: Mapping[Any, object] = {  # asked with None too (no code yet)
        "status": STATUS_LABELS,
        "action": ACTION_LABELS,
        "button": BUTTON_LABELS,
        "satisfaction": SATISFACTION_LABELS,
        "method": METHOD_LABELS,
        "stage": {"before": _l("before"), "after": _l("after")},
        "resolution": RESOLUTION_LABELS,
        "dispatch": DISPATCH_STATES,
        "channel": CHANNEL_LABELS,
    }[kind]
    cache = request_words()
    key = (kind, code)
    if key not in cache:  # a table repeats the same few labels on every row: translate each once
        cache[key] = str(table.get(code, code or ""))
    return cache[key]


def localized(row: Mapping[str, Any], key: str) -> str:
    """Return row[key_zh] or row[key_en] by the page language (category and department names)."""
    lang = g.get("lang", "zh")
    name: str = row.get(f"{key}_{lang}") or row.get(f"{key}_zh") or row.get(key) or ""
    return name


def localtime(value: object, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """Return a datetime shown in the deployment's time zone, or '' for none."""
    if not isinstance(value, datetime):
        return ""
    words = request_words()
    if "time_format" not in words:  # Flask-Babel looks both up on every call: once per request is enough
        words["time_format"] = (get_locale(), get_timezone())
    locale, zone = words["time_format"]
    shown: str = babel_dates.format_datetime(value, fmt, tzinfo=zone, locale=locale)  # naive: UTC, as before
    return shown


def request_words() -> dict[Any, Any]:
    """Return this request's cache of translated labels and time format (emptied by i18n.fresh_locale)."""
    found: dict[Any, Any] | None = g.get("i18n_words")
    if found is None:
        found = g.i18n_words = {}
    return found


def action_form(form: MultiDict[str, str]) -> tuple[str, object, dict[str, Any]]:
    """Return (action, version, params) from an issue action form."""
    action = form.get("action", "")
    params: dict[str, Any] = {}
    for name in ("reason", "note", "into", "resolution", "dispatch_id", "lon", "lat", "confirm_unlinked", "method"):
        if form.get(name, "").strip():
            params[name] = form[name].strip()
    if "departments" in form:
        params["departments"] = form.getlist("departments")
    elif action == "dispatch":
        params["departments"] = []
    if form.get("due_at", "").strip():
        due = form["due_at"].strip()
        params["due_at"] = f"{due}T{ACCEPTANCE_HOUR}" if len(due) == 10 else due
    elif action in ("set_due", "request_extension"):
        params["due_at"] = None
    if "passed" in form:
        params["passed"] = form["passed"] == "true"
    for flag in ("approve", "public"):
        if flag in form:
            params[flag] = form[flag] == "true"
    if form.get("satisfaction", "").strip():
        params["satisfaction"] = form["satisfaction"].strip()
    return action, form.get("version"), params


def safe_next(default: str) -> str:
    """Return the form's (or query's) `next` path when it is on this site, else `default`."""
    return redirects.safe_next(request.form.get("next") or request.args.get("next"), default)


def register_template_helpers(app: App) -> None:
    """Make the label, name and time helpers available to every template."""
    app.add_template_global(label)
    app.add_template_global(localized)
    app.add_template_filter(localtime)
    app.add_template_filter(count_text)
    app.add_template_global(vocab.SATISFACTION, "SATISFACTION")  # type: ignore[arg-type]
    app.add_template_global(vocab.FOLLOW_UP_METHODS, "FOLLOW_UP_METHODS")  # type: ignore[arg-type]
    app.add_template_global(NEXT_STEP, "NEXT_STEP")  # type: ignore[arg-type]  # typed for callables; any value works
    app.add_template_global(lang_url)
    from geo_app.web.errors import localize

    app.add_template_global(localize, "error_text")


def count_text(n: int) -> str:
    """Return a to-do count as a badge shows it: "1000+" where the count stopped (todo.COUNT_MAX)."""
    from geo_app.domain.workflow.todo import COUNT_MAX

    return f"{COUNT_MAX}+" if n >= COUNT_MAX else str(n)


def lang_url(code: str) -> str:
    """Return the current page's URL in language `code` (query arguments kept)."""
    from flask import url_for
    from werkzeug.routing import BuildError

    args: dict[str, Any] = {**request.args.to_dict(), "lang": code}
    if request.endpoint and request.method == "GET":
        try:
            return url_for(request.endpoint, **(request.view_args or {}), **args)
        except BuildError:  # an endpoint that needs other arguments: fall back to the plain path
            pass
    return f"{request.path}?lang={code}"
