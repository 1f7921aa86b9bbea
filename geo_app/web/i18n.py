"""Language choice: `?lang=` (remembered in the session), else the browser's, else Chinese."""

from __future__ import annotations

from flask import g, request, session
from flask_babel import refresh

LANGUAGES = ("zh", "en")


def select_locale() -> str:
    """Return the request's language code."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        lang = asked
    elif session.get("lang") in LANGUAGES:
        lang = session["lang"]
    else:
        lang = request.accept_languages.best_match(LANGUAGES, default="zh") or "zh"
    g.lang = lang
    return lang


def fresh_locale() -> None:
    """Forget the cached language before each request (Flask-Babel keeps it on `g`, which an app context
    shared by several requests — tests, the CLI — would otherwise carry over), and the words translated for
    the last one (geo_app.web.forms.request_words)."""
    refresh()
    g.pop("i18n_words", None)
