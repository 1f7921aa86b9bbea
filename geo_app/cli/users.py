"""Accounts from the command line: users, and the Open311 API keys of client systems."""

from __future__ import annotations

import secrets

import click
from flask.cli import with_appcontext

from geo_app.cli.common import fail
from geo_app.domain.errors import DomainError
from geo_app.extensions import db, db_session


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, help="admin, planner, clerk, chief, secretary or staff.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default=None)
@click.option("--department", default=None, help="Department code (staff).")
@click.option("--team", default=None, help="Team code (chief, secretary).")
@click.option("--hall", default=None, help="Reception hall code (clerk).")
@with_appcontext
def create_user_command(
    username: str,
    role: str,
    password: str,
    display_name: str | None,
    department: str | None,
    team: str | None,
    hall: str | None,
) -> None:
    """Create a user account."""
    from geo_app.domain.core.accounts import create_user

    try:
        create_user(db_session(), username, password, role, display_name, department, team, hall)
    except DomainError as err:
        fail(err)
    db.session.commit()
    click.echo(f"user {username} created ({role})")


@click.group("api-key")
def api_key_group() -> None:
    """Manage Open311 API keys (only their SHA-256 is stored)."""


@api_key_group.command("add")
@click.argument("label")
@click.option("--key", default=None, help="The key to store (default: a new random key, printed once).")
@with_appcontext
def api_key_add(label: str, key: str | None) -> None:
    """Create an API key under LABEL and print it."""
    from sqlalchemy.exc import IntegrityError

    from geo_app.domain.core.accounts import add_api_key

    key = key or secrets.token_urlsafe(24)
    try:
        add_api_key(db_session(), label, key)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        click.echo(f"error: label {label!r} or this key exists already", err=True)
        raise SystemExit(2) from None
    click.echo(key)


@api_key_group.command("revoke")
@click.argument("label")
@with_appcontext
def api_key_revoke(label: str) -> None:
    """Deactivate the API key with LABEL."""
    from geo_app.domain.open311.georeport import revoke_api_key

    try:
        revoke_api_key(db_session(), label)
    except DomainError as err:
        fail(err)
    db.session.commit()
    click.echo(f"api key {label} revoked")


@api_key_group.command("list")
@with_appcontext
def api_key_list() -> None:
    """List API keys (labels and state, never the keys)."""
    from sqlalchemy import text

    for label, active, created in db.session.execute(
        text("SELECT label, active, created_at FROM api_keys ORDER BY label")
    ).all():
        click.echo(f"{label}\t{'active' if active else 'revoked'}\t{created:%Y-%m-%d}")


@click.group("tokens")
def tokens_group() -> None:
    """Manage users' bearer tokens and login sessions."""


@tokens_group.command("revoke")
@click.argument("username")
@with_appcontext
def tokens_revoke(username: str) -> None:
    """End every bearer token and login session of USERNAME (they must log in again)."""
    from datetime import UTC, datetime

    from geo_app.domain.core.accounts import user_by_name
    from geo_app.domain.core.tokens import revoke_user

    try:
        revoke_user(db_session(), user_by_name(db_session(), username), datetime.now(UTC))
    except DomainError as err:
        fail(err)
    db.session.commit()
    click.echo(f"tokens and sessions of {username} revoked")


COMMANDS = [create_user_command, api_key_group, tokens_group]
