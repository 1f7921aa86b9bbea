"""The app's side of the deployment profile: read it from the database on first use, and make it active.

Nothing here runs when the app is built: the database (and the project-local cluster) is reached on the
first real connection, so `flask --app geo_app --help` starts nothing. The profile is read before the
first request and before a command runs (never for `--help`), checked against the environment, and made
active again on every app-context push (several apps in one process, as in the tests, keep their own).
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import event
from sqlalchemy.orm import Session

from geo_app import localdb
from geo_app.domain.core import deployment
from geo_app.domain.core.deployment import Profile

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)
KEY = "deployment_profile"


class ProfileError(click.ClickException):
    """The environment contradicts the database's profile, or there is no profile where one is needed."""


def start_local_cluster_on_connect(app: Flask) -> None:
    """Start the project-local cluster (and create its database) on the engine's first connection."""
    from geo_app.extensions import db

    dbname = app.config.get("LOCAL_PG_DB")
    if not dbname:
        return
    with app.app_context():
        engines = list(db.engines.values())
    started: list[bool] = []

    def ensure(*_args: Any) -> None:
        if not started:
            localdb.ensure_database(dbname)
            started.append(True)

    for engine in engines:
        event.listen(engine, "do_connect", ensure)


def read(app: Flask) -> Profile | None:
    """Return the database's profile (None without one), refusing one the environment contradicts."""
    from geo_app.extensions import db

    with Session(db.engine) as session:
        profile = deployment.load(session)
        srid = deployment.schema_srid(session) if profile is None else None
    if profile is not None:
        wrong = deployment.contradictions(profile, dict(os.environ))
        if wrong:
            raise ProfileError(
                "refusing to start: " + "; ".join(wrong) + ". The profile in the database is the source of "
                "truth: unset these variables (or use a database whose deployment matches them)."
            )
        return profile
    app.extensions[KEY + "_schema_srid"] = srid
    return None


def provisional(app: Flask) -> Profile:
    """Return the settings a database without a profile runs on (until init-deployment or load-demo)."""
    srid = app.extensions.get(KEY + "_schema_srid") or app.config["METRIC_SRID"]
    return Profile("", "", app.config["TIMEZONE"], int(srid), app.config["REF_PREFIX"])


def current(app: Flask) -> Profile | None:
    """Return the app's profile, reading it from the database until there is one."""
    profile: Profile | None = app.extensions.get(KEY)
    if profile is None:
        profile = read(app)
        if profile is not None:
            remember(app, profile)
    return profile


def remember(app: Flask, profile: Profile) -> None:
    """Keep `profile` as the app's own and make it active (init-deployment and load-demo call this)."""
    app.extensions[KEY] = profile
    app.config.update(
        TIMEZONE=profile.timezone,
        BABEL_DEFAULT_TIMEZONE=profile.timezone,
        REF_PREFIX=profile.ref_prefix,
        METRIC_SRID=profile.metric_srid,
    )
    deployment.activate(profile)


def activate_on_push(sender: Flask, **_kw: Any) -> None:
    """Signal handler: make the pushed app's profile, if it has read one, the active one (no database here:
    Flask pushes a context even to list the commands for `--help`)."""
    known: Profile | None = sender.extensions.get(KEY) or sender.extensions.get(KEY + "_provisional")
    if known is not None:
        deployment.activate(known)


def ensure(app: Flask) -> Profile | None:
    """Read the app's profile (or settle on provisional settings without one) and make it active.

    Called before each request and each command, and by the test helpers; raises ProfileError when the
    environment contradicts the database."""
    profile = current(app)
    if profile is None:
        app.extensions[KEY + "_provisional"] = provisional(app)
        deployment.activate(app.extensions[KEY + "_provisional"])
    else:
        app.extensions.pop(KEY + "_provisional", None)
    return profile


def require(app: Flask) -> Profile:
    """Return the app's profile, or refuse with what to run (the server does not start without one)."""
    with app.app_context():
        profile = ensure(app)
    if profile is None:
        raise ProfileError(
            "this database has no deployment profile: run `flask --app geo_app init-deployment --name … "
            "--timezone …` (or `flask --app geo_app load-demo` for the demo) first"
        )
    return profile


def init_app(app: Flask) -> None:
    """Wire the lazy cluster start and the profile's activation into `app`."""
    from flask import appcontext_pushed

    start_local_cluster_on_connect(app)
    appcontext_pushed.connect(activate_on_push, app, weak=False)
    app.before_request(lambda: _before_request(app))


def _before_request(app: Flask) -> None:
    ensure(app)


def checked_command(callback: Callable[..., Any]) -> Callable[..., Any]:
    """Return `callback` reading (and checking) the running app's deployment profile before it runs.

    Command objects are module-level and shared by every app of the process, so the app is looked up
    when the command runs (as Flask's with_appcontext does), never bound here."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        from flask import current_app
        from flask.cli import ScriptInfo

        if current_app:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
        else:
            app = click.get_current_context().ensure_object(ScriptInfo).load_app()
        with app.app_context():
            ensure(app)
        return callback(*args, **kwargs)

    return run


def check_commands(app: Flask) -> None:
    """Make every command of `app` (those of Flask-Migrate included) read the profile before running."""

    def walk(command: click.Command) -> None:
        # a group's own callback runs even for a subcommand's --help: only leaf commands read the profile
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                walk(sub)
        elif command.callback is not None and not getattr(command.callback, "_checks_profile", False):
            command.callback = checked_command(command.callback)
            command.callback._checks_profile = True  # type: ignore[attr-defined]

    for command in app.cli.commands.values():
        walk(command)
