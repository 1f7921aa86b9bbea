"""The street-chief incident platform: `create_app` builds the Flask app from small steps."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the package must import without Flask: the domain under it is framework-free
    from flask import Flask

from geo_app import config as config_module
from geo_app import localdb


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides settings from the environment (tests pass a database URL)."""
    from flask import Flask

    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    settings = dict(config or {})
    if "SQLALCHEMY_DATABASE_URI" not in settings:
        settings = {**config_module.from_env(), **settings}
    else:
        env = {k: v for k, v in config_module.from_env_without_db().items() if k not in settings}
        settings = {**env, **settings}
    app.config.update(settings)
    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_commands(app)
    from geo_app import profile

    profile.check_commands(app)
    logging.getLogger(__name__).debug("app created on %s", app.config["SQLALCHEMY_DATABASE_URI"])
    return app


def register_extensions(app: Flask) -> None:
    from geo_app import models  # noqa: F401  (registers every table on the metadata)
    from geo_app.extensions import babel, csrf, db, login_manager, migrate
    from geo_app.web import edge, hardening, request_transactions, static_assets
    from geo_app.web.i18n import fresh_locale, select_locale

    db.init_app(app)
    request_transactions.register(app)
    migrate.init_app(app, db, directory=str(localdb.PROJECT_ROOT / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    hardening.register(app)
    edge.register(app)
    static_assets.register(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=_catalogs())
    app.before_request(fresh_locale)
    from geo_app import profile

    profile.init_app(app)


def serve_app() -> Flask:
    """Build the app for a server: its deployment profile is read (and checked) before it serves."""
    from geo_app import profile

    app = create_app()
    profile.require(app)
    return app


def _catalogs() -> str:
    """Return the translation directories (one per part of the app, merged by Flask-Babel)."""
    root = localdb.PROJECT_ROOT / "translations"
    dirs = sorted(str(d) for d in root.iterdir() if d.is_dir()) if root.is_dir() else []
    return ";".join(dirs) or str(root)


def register_blueprints(app: Flask) -> None:
    from geo_app.web import BLUEPRINTS, BoundedInt

    app.url_map.converters["int"] = BoundedInt  # before the rules are added: every <int:…> is bounded
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)


def register_errors(app: Flask) -> None:
    from geo_app.web.errors import register_error_handlers

    register_error_handlers(app)


def register_commands(app: Flask) -> None:
    from geo_app.cli import register_cli

    register_cli(app)
