"""Settings from the environment; one place that says what can be configured."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geo_app import localdb
from geo_app.domain.workflow.intake import IntakeSettings
from geo_app.domain.workflow.policy import WorkflowPolicy

INSTANCE_DIR = localdb.PROJECT_ROOT / "var"
# The zone a database without a deployment profile runs in (until init-deployment or load-demo); the
# profile stored in the database is the source of truth, and TIMEZONE may only repeat it.
DEFAULT_TIMEZONE = "Asia/Shanghai"


def _secret_key() -> str:
    """Return SECRET_KEY, or a random key kept in var/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = INSTANCE_DIR / "secret_key"
    INSTANCE_DIR.mkdir(exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


POOL_OVERFLOW = 4


def database_url() -> str:
    """Return DATABASE_URL, or the URL of the project-local cluster's database (started on first connection)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    # migrations and commands as the owner; the web server asks for geo_app (scripts/serve.sh)
    return localdb.url(local_db_name(), role=os.environ.get("LOCAL_PG_ROLE", "geo_owner"))


def local_db_name() -> str:
    """Return the database name on the project-local cluster."""
    return os.environ.get("LOCAL_PG_DB", localdb.DEFAULT_DB)


def from_env() -> dict[str, Any]:
    """Collect the app's settings from environment variables; nothing here connects to a database."""
    local = {} if os.environ.get("DATABASE_URL") else {"LOCAL_PG_DB": local_db_name()}
    return {"SQLALCHEMY_DATABASE_URI": database_url(), **local, **from_env_without_db()}


def engine_options() -> dict[str, Any]:
    """Return the connection pool's settings: one connection per request thread (WEB_THREADS, as the server
    runs) and a few more for bursts, so that workers × (threads + overflow) stays far below the cluster's
    max_connections (200: gunicorn.conf.py checks it); pre-ping survives a database restart."""
    threads = int(os.environ.get("WEB_THREADS", "8"))
    return {"pool_pre_ping": True, "pool_size": threads, "max_overflow": POOL_OVERFLOW, "pool_timeout": 10}


def from_env_without_db() -> dict[str, Any]:
    """Collect every setting but the database URL."""
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(),
        "SECRET_KEY": _secret_key(),
        "METRIC_SRID": int(os.environ.get("METRIC_SRID", "32649")),
        "SNAP_MAX_M": float(os.environ.get("SNAP_MAX_M", "60")),
        "DUPLICATE_RADIUS_M": float(os.environ.get("DUPLICATE_RADIUS_M", "50")),
        "FIRE_LANE_LINK_M": float(os.environ.get("FIRE_LANE_LINK_M", "30")),
        "IMPORT_BULK_MIN_ROWS": int(os.environ.get("IMPORT_BULK_MIN_ROWS", "50000")),
        "TIMEZONE": os.environ.get("TIMEZONE", DEFAULT_TIMEZONE),
        "REF_PREFIX": os.environ.get("REF_PREFIX", "DT"),
        # the deployment's workflow rules (both on for the demo): 验收 by someone else, 回访 before closing
        "SEPARATE_VERIFIER": _flag("SEPARATE_VERIFIER", True),
        "FOLLOW_UP_BEFORE_CLOSE": _flag("FOLLOW_UP_BEFORE_CLOSE", True),
        "TILE_URL": os.environ.get("TILE_URL") or None,
        "TILE_ATTRIBUTION": os.environ.get("TILE_ATTRIBUTION", ""),
        "BASEMAP_FONT": os.environ.get("BASEMAP_FONT") or None,  # a CJK font to cut label fonts from (docs/maps.md)
        # photos live on disk (never in a database row); a request larger than this is refused with 413
        "PHOTO_DIR": Path(os.environ.get("PHOTO_DIR", INSTANCE_DIR / "photos")),
        "PHOTO_MAX_BYTES": int(os.environ.get("PHOTO_MAX_BYTES", str(10 * 1024 * 1024))),
        # the public report form: reports per client address and hour (no CAPTCHA service)
        "REPORTS_PER_HOUR": int(os.environ.get("REPORTS_PER_HOUR", "5")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024))),
        "DEMO_DIR": Path(os.environ.get("DEMO_DIR", localdb.PROJECT_ROOT / "data" / "demo")),
        # On a network: the site's public address (Open311 discovery), the Host names it answers to
        # (others get 400), how many proxies in front set X-Forwarded-*, and cookies Secure always.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL") or None,
        "TRUSTED_HOSTS": [h.strip() for h in os.environ["ALLOWED_HOSTS"].split(",")]
        if os.environ.get("ALLOWED_HOSTS")
        else None,
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "SESSION_COOKIE_SECURE": os.environ.get("HTTPS_ONLY", "") == "1",
        "FORCE_HTTPS": os.environ.get("HTTPS_ONLY", "") == "1",
        "LOGIN_HASH_SLOTS": int(os.environ.get("LOGIN_HASH_SLOTS", "1")),
        "PAGE_MEMO_SECONDS": float(os.environ.get("PAGE_MEMO_SECONDS", "60")),
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", DEFAULT_TIMEZONE),
    }


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None or not value.strip() else value.strip().lower() in ("1", "true", "yes", "on")


def workflow_policy(config: Mapping[str, Any] | None = None) -> WorkflowPolicy:
    """Return the workflow rules (snap distance, separation of duties, 回访 before closing) of the running app."""
    if config is None:
        from flask import current_app

        config = current_app.config
    return WorkflowPolicy(
        snap_max_m=config["SNAP_MAX_M"],
        separate_verifier=config.get("SEPARATE_VERIFIER", True),
        follow_up_before_close=config.get("FOLLOW_UP_BEFORE_CLOSE", True),
    )


def intake_settings(config: Mapping[str, Any] | None = None) -> IntakeSettings:
    """Return the intake settings (snap distance, reference prefix, fire-lane link) of `config` or the running app."""
    if config is None:
        from flask import current_app

        config = current_app.config
    return IntakeSettings(
        snap_max_m=config["SNAP_MAX_M"],
        ref_prefix=config["REF_PREFIX"],
        fire_lane_link_m=config.get("FIRE_LANE_LINK_M", 30.0),
    )
